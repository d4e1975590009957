#!/usr/bin/env bash
# Upgrade test (as paradedb's pg_search tests theirs): the last release listed in
# aurora_ext/RELEASES is built from its commit and installed, a database is made with it and
# filled; then this tree's library is swapped in. Until `alter extension aurora update` the
# new library must refuse the old objects cleanly (55000 and a hint; the server and the
# preloaded worker never crash); after it:
#   - the upgraded schema equals a fresh install of this tree (pg_dump --schema-only
#     --binary-upgrade, which dumps an extension's members, normalised: empty diff);
#   - every row is still there (per table: row count and a digest of the primary keys);
#   - a C symbol kept by both libraries has the same SQL signature in both (a changed
#     signature under an old symbol would read arguments wrongly: rename the Rust function);
#   - the contract suite (pgTAP) passes on the upgraded database.
# It ends with the working tree installed, as it found it. Prints "upgrade: N passed".
source "$(dirname "$0")/../scripts/lib.sh"
OLD_DB=aurora_upgrade
FRESH_DB=aurora_upgrade_fresh
WORK="$(mktemp -d /tmp/aurora-upgrade.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
sql() { psql_admin -At "$@"; }

read -r OLD_VERSION OLD_COMMIT OLD_SHA < <(grep -v '^#' "$AURORA_ROOT/aurora_ext/RELEASES" | awk 'NF' | tail -1)
NEW_VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$AURORA_ROOT/aurora_ext/Cargo.toml" | head -1)
SHAREDIR="$("$PG_CONFIG" --sharedir)/extension"
echo "upgrade: from release ${OLD_VERSION} (${OLD_COMMIT:0:12}) to the working tree (${NEW_VERSION})"

# An install script's digest: its lines without comments (pgrx writes source paths and line
# numbers there), sorted (pgrx orders independent objects differently from build to build).
script_digest() { grep -v -E '^\s*--' "$1" | LC_ALL=C sort | sha256sum | cut -d' ' -f1; }

if [ "$NEW_VERSION" = "$OLD_VERSION" ]; then
    # Nothing pending: then the tree's SQL must be the release's, byte for byte.
    [ -n "$OLD_SHA" ] || fail "release ${OLD_VERSION} has no recorded script digest in aurora_ext/RELEASES"
    [ "$(script_digest "$SHAREDIR/aurora--${NEW_VERSION}.sql")" = "$OLD_SHA" ] \
        || fail "the extension's SQL changed but the crate is still at released ${OLD_VERSION}: move the version and write the upgrade step"
    ok "no pending release: the install script is release ${OLD_VERSION}'s"
    echo "upgrade: ${passed} passed"
    exit 0
fi
STEP="$AURORA_ROOT/aurora_ext/sql/aurora--${OLD_VERSION}--${NEW_VERSION}.sql"
[ -f "$STEP" ] || fail "no upgrade step $(basename "$STEP") for the pending ${NEW_VERSION}"
ok "pending ${NEW_VERSION} has its upgrade step from ${OLD_VERSION}"

# --- the release, from its commit -----------------------------------------------------------
git -C "$AURORA_ROOT" cat-file -e "${OLD_COMMIT}^{commit}" 2>/dev/null \
    || fail "commit ${OLD_COMMIT} of release ${OLD_VERSION} is not in this clone"
mkdir -p "$WORK/release"
git -C "$AURORA_ROOT" archive "$OLD_COMMIT" | tar -x -C "$WORK/release"
stop_cluster
rm -f "$("$PG_CONFIG" --pkglibdir)/aurora.so"
# A target directory of its own (sharing one would leave the release's library where cargo
# thinks this tree's is), made of hard links to this tree's, so the dependencies are reused;
# fingerprints are copied, since cargo rewrites them in place.
REL_TARGET="$AURORA_ROOT/target/upgrade-release"
rm -rf "$REL_TARGET" && mkdir -p "$REL_TARGET"
if [ -d "$AURORA_ROOT/target/debug" ]; then
    cp -al "$AURORA_ROOT/target/debug" "$REL_TARGET/debug"
    rm -rf "$REL_TARGET/debug/.fingerprint" && cp -a "$AURORA_ROOT/target/debug/.fingerprint" "$REL_TARGET/debug/"
fi
# whatever happens, the worker goes back to its defaults and the scratch builds go
cleanup() {
    psql_admin -d postgres -c "alter system reset aurora.presence_sweep_database" \
        -c "alter system reset aurora.presence_sweep_interval" -c "select pg_reload_conf()" >/dev/null 2>&1 || true
    rm -rf "$WORK" "$REL_TARGET"
}
trap cleanup EXIT
(cd "$WORK/release" && CARGO_TARGET_DIR="$REL_TARGET" \
    cargo pgrx install -p aurora --pg-config "$PG_CONFIG" >"$WORK/release-build.log" 2>&1) \
    || { tail -40 "$WORK/release-build.log"; fail "release ${OLD_VERSION} did not build"; }
echo "release ${OLD_VERSION}'s install script digest: $(script_digest "$SHAREDIR/aurora--${OLD_VERSION}.sql")"
if [ -n "$OLD_SHA" ]; then
    [ "$(script_digest "$SHAREDIR/aurora--${OLD_VERSION}.sql")" = "$OLD_SHA" ] \
        || fail "commit ${OLD_COMMIT:0:12} no longer generates release ${OLD_VERSION}'s install script"
    ok "release ${OLD_VERSION} rebuilt from its commit generates its recorded install script"
fi
ensure_cluster

psql_admin -d postgres -c "drop database if exists ${OLD_DB} with (force)" -c "create database ${OLD_DB}"
psql_admin -d "$OLD_DB" -f "$AURORA_ROOT/sql/supabase_env.sql" >/dev/null 2>&1
psql_admin -d "$OLD_DB" -c "create extension aurora version '${OLD_VERSION}'"
psql_admin -d "$OLD_DB" -f "$WORK/release/sql/demo_seed.sql" >/dev/null
# and what members do through the release's own API: messages, reactions, presence, progress
psql_admin -d "$OLD_DB" >/dev/null <<'EOF'
do $$
declare m record; msg bigint;
begin
    for m in select s.salon_id, s.user_id from public.salon_members s order by 1, 2 loop
        perform set_config('request.jwt.claims', json_build_object('sub', m.user_id, 'role', 'authenticated')::text, true);
        perform set_config('role', 'authenticated', true);
        insert into public.chat_messages (salon_id, content) values (m.salon_id, 'Avant la mise à jour')
        returning id into msg;
        perform to_jsonb(public.toggle_message_reaction(msg, '🌸'));
        perform to_jsonb(public.rpc_update_activity());
        perform set_config('role', 'none', true);
    end loop;
end
$$;
EOF
# and what 0.1.0 let an author store by editing (a limit checked on insert only): the
# upgrade must carry such a row into the new constraint
psql_admin -d "$OLD_DB" >/dev/null <<'EOF'
do $$
declare m record;
begin
    select id, user_id into m from public.chat_messages order by id limit 1;
    perform set_config('request.jwt.claims', json_build_object('sub', m.user_id, 'role', 'authenticated')::text, true);
    perform set_config('role', 'authenticated', true);
    update public.chat_messages set content = content || repeat(' ', 5000) where id = m.id;
    perform set_config('role', 'none', true);
end
$$;
EOF
[ "$(sql -d "$OLD_DB" -c "select count(*) from public.chat_messages where char_length(content) > 4000")" = 1 ] \
    || fail "could not store the over-long edit 0.1.0 allowed"
[ "$(sql -d "$OLD_DB" -c "select extversion from pg_extension where extname = 'aurora'")" = "$OLD_VERSION" ] \
    || fail "the release database is not at ${OLD_VERSION}"
ok "database made and used with release ${OLD_VERSION} (with an over-long edited message)"

# Every extension table: rows and a digest of their primary keys (nothing lost or duplicated);
# the salons' exact counters (folded part + shards).
ROWS_SQL="
select c.relname || ' ' || (xpath('/row/n/text()', query_to_xml(format(
         'select count(*) || '':'' || coalesce(md5(string_agg(k, '','' order by k)), ''-'') as n from (select (%s)::text as k from %s as t0) t',
         coalesce((select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
                     from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                    where i.indrelid = c.oid and i.indisprimary), 't0.*'),
         c.oid::regclass), false, true, '')))[1]::text
  from pg_class c
  join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
 where c.relkind = 'r'
   and c.relname <> 'salon_counter_shards'  -- folded by the worker at any time: its sum is compared below
union all
select 'salon counters ' || md5(string_agg(id || '=' || member_count || '/' || message_count, ',' order by id))
  from public.salons_with_details
 order by 1"
sql -d "$OLD_DB" -c "$ROWS_SQL" >"$WORK/rows.before"
# what members may not read of each other moves from profiles to member_accounts: the
# same values, member by member
ACCOUNT_SQL="select count(*) || ':' || md5(string_agg(concat_ws('|', id, email, bio, city, interests, cover_url, subscription_type,
                                        trial_ends_at, stripe_customer_id, daily_chat_count, salons_created, salons_joined), ','
                                        order by id)) from %s"
ACCOUNTS_BEFORE=$(sql -d "$OLD_DB" -c "$(printf "$ACCOUNT_SQL" public.profiles)")
grep -q '^chat_messages [1-9]' "$WORK/rows.before" || fail "no rows to carry: $(cat "$WORK/rows.before")"

# The C functions of a database: symbol, argument and result types (the SQL name may change:
# a symbol is called by what it is given, not by what it is called).
ABI_SQL="
select p.prosrc || ' (' || oidvectortypes(p.proargtypes) || ') -> ' || case when p.proretset then 'setof ' else '' end
       || format_type(p.prorettype, null)
  from pg_proc p join pg_language l on l.oid = p.prolang and l.lanname = 'c'
  join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
  join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
 order by 1"
sql -d "$OLD_DB" -c "$ABI_SQL" >"$WORK/abi.old"

# --- this tree's library, swapped in under the release's objects ----------------------------
# the preloaded worker is pointed at the release database, so it meets the old objects too
psql_admin -d postgres -c "alter system set aurora.presence_sweep_database = '${OLD_DB}'" \
                       -c "alter system set aurora.presence_sweep_interval = 1"
LOG="/var/log/postgresql/postgresql-${PG_MAJOR}-${AURORA_CLUSTER}.log"
LOG_FROM=$(($(wc -c <"$LOG" 2>/dev/null || echo 0) + 1))
install_extension
ensure_cluster
POSTMASTER=$(head -1 "/var/lib/postgresql/${PG_MAJOR}/${AURORA_CLUSTER}/postmaster.pid")
[ "$(sql -d "$OLD_DB" -c "select extversion from pg_extension where extname = 'aurora'")" = "$OLD_VERSION" ] \
    || fail "installing the new files changed the database's version"

MEMBER=$(sql -d "$OLD_DB" -c "select user_id from public.salon_members order by 1 limit 1")
SALON=$(sql -d "$OLD_DB" -c "select salon_id from public.salon_members where user_id = '${MEMBER}' limit 1")
MESSAGE=$(sql -d "$OLD_DB" -c "select max(id) from public.chat_messages where salon_id = '${SALON}'")
# each call: a core RPC, a read RPC, a trigger path (a member posting), the sweep
for call in "select to_jsonb(public.toggle_message_reaction(${MESSAGE}, '👍'))" \
            "select * from public.get_leaderboard(5)" \
            "select to_jsonb(public.rpc_update_activity())" \
            "insert into public.chat_messages (salon_id, content) values ('${SALON}', 'Pendant la mise à jour')" \
            "select public.check_inactive_users()"; do
    out=$(psql -X -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$OLD_DB" -v VERBOSITY=verbose 2>&1 <<EOF
begin;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"${MEMBER}","role":"authenticated"}', true);
${call};
rollback;
EOF
) || true
    grep -q '^ERROR:  55000: aurora'"'"'s library is release '"${NEW_VERSION}"', but this database holds aurora '"${OLD_VERSION}" <<<"$out" \
        && grep -q 'HINT:  Run ALTER EXTENSION aurora UPDATE' <<<"$out" \
        || fail "before the update, '${call}' was not refused with 55000 and its hint: ${out}"
    pg_isready -q -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres || fail "the server is down after '${call}'"
done
ok "before the update the new library refuses the release's objects with 55000 and a hint"
for _ in $(seq 1 50); do
    # grep reads to the end (no -q): under pipefail, tail killed by SIGPIPE would fail the check
    tail -c +"$LOG_FROM" "$LOG" | grep "presence worker (release ${NEW_VERSION}) waits" >/dev/null && break
    sleep 0.2
done
tail -c +"$LOG_FROM" "$LOG" | grep "presence worker (release ${NEW_VERSION}) waits: database \"${OLD_DB}\" holds aurora ${OLD_VERSION}" >/dev/null \
    || fail "the preloaded worker did not say it waits for the update"
ok "the preloaded worker waits for the update and says so"

psql_admin -d "$OLD_DB" -c "alter extension aurora update"
[ "$(sql -d "$OLD_DB" -c "select extversion from pg_extension where extname = 'aurora'")" = "$NEW_VERSION" ] \
    || fail "alter extension aurora update did not reach ${NEW_VERSION}"
ok "alter extension aurora update: ${OLD_VERSION} → ${NEW_VERSION}"
[ "$(sql -d "$OLD_DB" -c "select count(*) from public.chat_messages where char_length(content) > 4000")" = 0 ] \
    || fail "the update left a message over the limit"
ok "the update trimmed the over-long edit into the new limit"

# after the update, in a session that was refused before (cached answers are dropped)
psql -X -q -v ON_ERROR_STOP=1 -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$OLD_DB" >/dev/null <<EOF \
    || fail "the API does not work after the update"
begin;
set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"${MEMBER}","role":"authenticated"}', true);
select to_jsonb(public.toggle_message_reaction(${MESSAGE}, '👍'));
insert into public.chat_messages (salon_id, content) values ('${SALON}', 'Après la mise à jour');
rollback;
EOF
ok "the API works on the upgraded database"

sql -d "$OLD_DB" -c "$ROWS_SQL" >"$WORK/rows.all"
# tables the release adds start empty, but those that take over columns of a table it had
# ("new:source": lessons' bodies, invitations' token hashes, salons' share codes, members'
# accounts, so that select('*') works)
# hold a row for each row of their source, by the same key
MOVED="lesson_bodies:lessons salon_invitation_tokens:salon_invitations salon_share_codes:salons member_accounts:profiles"
for pair in $MOVED; do
    moved_to=${pair%%:*}; moved_from=${pair#*:}
    [ "$(awk -v t="$moved_to" '$1 == t {print $2}' "$WORK/rows.all")" = "$(awk -v t="$moved_from" '$1 == t {print $2}' "$WORK/rows.before")" ] \
        || fail "$moved_to does not hold one row per row of $moved_from: $(grep -E "^($moved_to|$moved_from) " "$WORK/rows.all")"
done
[ "$(sql -d "$OLD_DB" -c "$(printf "$ACCOUNT_SQL" public.member_accounts)")" = "$ACCOUNTS_BEFORE" ] \
    || fail "member_accounts does not hold what profiles held"
ok "member_accounts holds what profiles held, member by member (${ACCOUNTS_BEFORE%%:*} members)"
new_rows=$(awk -v moved=" ${MOVED//:/ } " 'NR == FNR { seen[$1] = 1; next } !($1 in seen) && $2 != "0:-" && index(moved, " " $1 " ") == 0' "$WORK/rows.before" "$WORK/rows.all")
[ -z "$new_rows" ] || fail "tables new in this release are not empty: $new_rows"
awk 'NR == FNR { seen[$1] = 1; next } $1 in seen' "$WORK/rows.before" "$WORK/rows.all" >"$WORK/rows.after"
diff -u "$WORK/rows.before" "$WORK/rows.after" || fail "rows changed across the upgrade"
ok "every row is still there ($(awk '{split($2, a, ":"); s += a[1]} END {print s}' "$WORK/rows.after") rows in $(wc -l <"$WORK/rows.after") tables)"

fresh_database "$FRESH_DB" >/dev/null
# pg_dump dumps an extension's members in binary-upgrade mode only. Normalised: OIDs, the
# binary-upgrade bookkeeping calls and comments go; statements are compared as a sorted set
# (pg_dump breaks ties between same-named objects by OID, i.e. by creation order).
schema_of() {
    runuser -u postgres -- pg_dump -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres \
        --schema-only --binary-upgrade --no-comments -d "$1" \
    | python3 -c '
import re, sys
text = re.sub(r"(?m)^(--|\\restrict |\\unrestrict ).*$", "", sys.stdin.read())
out = []
for stmt in re.split(r";\s*\n", text):
    s = " ".join(stmt.split())
    if not s or "binary_upgrade_set_next" in s or "binary_upgrade_set_record_init_privs" in s \
            or "relfrozenxid" in s or s.startswith("SELECT pg_catalog.setval(") or "pg.dropped." in s and not s.startswith("CREATE"):
        continue
    # a column the release dropped: kept by binary-upgrade dumps as a placeholder (its
    # number), invisible to everything else
    s = re.sub(r" \"\.+pg\.dropped\.[0-9]+\.+\" [^,]*,", "", s)
    s = re.sub(r"\x27[0-9]+\x27::pg_catalog\.oid", "OID", s)
    s = re.sub(r"binary_upgrade_create_empty_extension\(.*", "binary_upgrade_create_empty_extension(...)", s)
    out.append(s)
print("\n".join(sorted(out)))'
}
schema_of "$OLD_DB" >"$WORK/schema.upgraded"
schema_of "$FRESH_DB" >"$WORK/schema.fresh"
[ "$(wc -l <"$WORK/schema.fresh")" -gt 500 ] || fail "the schema dump looks empty"
diff -u "$WORK/schema.fresh" "$WORK/schema.upgraded" >"$WORK/schema.diff" \
    || { cp "$WORK/schema.diff" /tmp/aurora-upgrade-schema.diff; head -80 "$WORK/schema.diff"; fail "the upgraded schema differs from a fresh install (- fresh, + upgraded)"; }
ok "the upgraded schema equals a fresh install ($(wc -l <"$WORK/schema.fresh") statements)"

sql -d "$FRESH_DB" -c "$ABI_SQL" >"$WORK/abi.new"
python3 - "$WORK/abi.old" "$WORK/abi.new" <<'EOF' || fail "a C symbol kept its name but changed its SQL signature"
import sys
def load(p):
    return {l.split(" ", 1)[0]: l.split(" ", 1)[1].strip() for l in open(p) if l.strip()}
old, new = load(sys.argv[1]), load(sys.argv[2])
bad = [f"{s}: {old[s]}  →  {new[s]}" for s in old if s in new and old[s] != new[s]]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
ok "every C symbol kept by the new library keeps its SQL signature ($(wc -l <"$WORK/abi.old") in the release)"

psql_admin -d "$OLD_DB" -c "create extension if not exists pgtap" -f "$AURORA_ROOT/tests/sql/helpers.sql" >/dev/null
pg_prove -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$OLD_DB" --failures \
    "$AURORA_ROOT"/tests/sql/[0-9]*.sql >"$WORK/pgtap.log" 2>&1 \
    || { tail -60 "$WORK/pgtap.log"; fail "the contract suite fails on the upgraded database"; }
ok "the contract suite passes on the upgraded database ($(grep -oE 'Tests=[0-9]+' "$WORK/pgtap.log" | cut -d= -f2) tests)"

[ "$(head -1 "/var/lib/postgresql/${PG_MAJOR}/${AURORA_CLUSTER}/postmaster.pid")" = "$POSTMASTER" ] \
    || fail "the server restarted during the test"
if tail -c +"$LOG_FROM" "$LOG" | grep -E "terminated by signal|server process .* was terminated"; then
    fail "a backend or the worker crashed"
fi
ok "no crash: same postmaster, no backend or worker terminated by a signal"
psql_admin -d postgres -c "drop database ${FRESH_DB} with (force)"
echo "upgrade: ${passed} passed"
