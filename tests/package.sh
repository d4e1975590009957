#!/usr/bin/env bash
# The Debian packages (scripts/package.sh): what they hold, and that the extension package
# alone makes a working aurora — installed with dpkg, then created in a cluster of its own
# (not the dev cluster, which preloads the library it started with) and called.
source "$(dirname "$0")/../scripts/lib.sh"
out=$(mktemp -d); work=$(mktemp -d)
trap 'runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$out" "$work"' EXIT
bash "$AURORA_ROOT/scripts/package.sh" "$out" >"$work/package.log" 2>&1 || { cat "$work/package.log"; fail "scripts/package.sh failed"; }
ext=$(ls "$out"/postgresql-${PG_MAJOR}-aurora_*.deb); edge=$(ls "$out"/aurora-edge_*.deb)
ok "two packages: $(basename "$ext"), $(basename "$edge")"
files=$(dpkg-deb -c "$ext" | awk '{print $6}')
for f in "usr/lib/postgresql/$PG_MAJOR/lib/aurora.so" "usr/share/postgresql/$PG_MAJOR/extension/aurora.control" \
         "usr/share/postgresql/$PG_MAJOR/extension/aurora--0.2.0.sql" "usr/share/postgresql/$PG_MAJOR/extension/aurora--0.1.0--0.2.0.sql"; do
    grep -qx "./$f" <<<"$files" || fail "the extension package lacks $f"
done
ok "the extension package holds the library, the control file, the install and upgrade scripts"
[ "$(dpkg-deb -f "$ext" Depends)" = "postgresql-$PG_MAJOR, libc6" ] || fail "unexpected Depends: $(dpkg-deb -f "$ext" Depends)"
ok "it depends on postgresql-$PG_MAJOR"
dpkg-deb -c "$edge" | grep -q "./usr/bin/aurora-edge$" && dpkg-deb -c "$edge" | grep -q "aurora-edge.service$" \
    || fail "the edge package lacks its binary or unit"
ok "the edge package holds the binary and a systemd unit"
dpkg -i "$ext" >/dev/null || fail "dpkg -i $ext"
ok "dpkg installs the extension package"
chown postgres "$work"
runuser -u postgres -- "$PG_BIN/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null || fail initdb
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=''" -l "$work/log" -w start >/dev/null || fail "start"
p() { runuser -u postgres -- "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$work" -p "$port" "$@"; }
p -d postgres -c "create database pkg" >/dev/null
cp "$AURORA_ROOT/sql/supabase_env.sql" "$work/env.sql"; chmod 0644 "$work/env.sql"
p -d pkg -f "$work/env.sql" >/dev/null 2>&1
version=$(p -d pkg -c "create extension aurora" -c "select extversion from pg_extension where extname = 'aurora'") || fail "create extension"
[ "$version" = "0.2.0" ] || fail "installed version $version"
answer=$(p -d pkg -c "insert into auth.users (id, email) values ('11111111-1111-4111-8111-111111111111', 'ines@example.fr')" \
               -c "begin" -c "set local role authenticated" \
               -c "select set_config('request.jwt.claims', '{\"sub\":\"11111111-1111-4111-8111-111111111111\",\"role\":\"authenticated\"}', true)" \
               -c "select (to_jsonb(export_my_data()) -> 'account' ->> 'email')" -c "commit" | tail -1)
[ "$answer" = "ines@example.fr" ] || fail "the packaged library answered: $answer"
ok "from the package alone: create extension aurora ($version) in a fresh cluster, and a member's call answers"
echo "packages: $passed passed, 0 failed"
