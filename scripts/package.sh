#!/usr/bin/env bash
# Debian packages, so a server installs aurora without Rust or cargo-pgrx:
#   postgresql-15-aurora_<version>_<arch>.deb  the extension (library, control file,
#                                              install and upgrade scripts), release build
#   aurora-edge_<version>_<arch>.deb           the edge binary and a systemd unit
# into dist/ (or $1). Install with `apt install ./dist/postgresql-15-aurora_….deb`, then
# `create extension aurora` (or `alter extension aurora update`) in the database.
#   bash scripts/package.sh [out-dir]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out=$(realpath -m "${1:-$AURORA_ROOT/dist}")
ensure_prerequisites
command -v dpkg-deb >/dev/null || die "dpkg-deb is needed (Debian's dpkg)"
arch=$(dpkg --print-architecture)
ext_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$AURORA_ROOT/aurora_ext/Cargo.toml" | head -1)
edge_version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$AURORA_ROOT/edge/Cargo.toml" | head -1)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

step "the extension, release build"
(cd "$AURORA_ROOT/aurora_ext" && cargo pgrx package --pg-config "$PG_CONFIG" --out-dir "$work/ext" >/dev/null)
ext_root="$work/ext"
[ -f "$ext_root/usr/lib/postgresql/$PG_MAJOR/lib/aurora.so" ] || die "cargo pgrx package made no library"
mkdir -p "$ext_root/DEBIAN"
cat >"$ext_root/DEBIAN/control" <<EOF
Package: postgresql-$PG_MAJOR-aurora
Version: $ext_version
Architecture: $arch
Maintainer: Aurora50 <tech@aurora50.fr>
Depends: postgresql-$PG_MAJOR, libc6
Section: database
Priority: optional
Description: Aurora50's backend as a PostgreSQL $PG_MAJOR extension
 Community, chat, courses, gamification, billing and email, with row-level security,
 for a Supabase-compatible database (CREATE EXTENSION aurora).
EOF
ext_deb="$out/postgresql-$PG_MAJOR-aurora_${ext_version}_$arch.deb"
dpkg-deb --root-owner-group --build "$ext_root" "$ext_deb" >/dev/null
done_step

step "the edge, release build"
(cd "$AURORA_ROOT" && cargo build -q --release -p aurora-edge)
edge_root="$work/edge"
install -D -m 0755 "$AURORA_ROOT/target/release/aurora-edge" "$edge_root/usr/bin/aurora-edge"
install -D -m 0644 /dev/stdin "$edge_root/lib/systemd/system/aurora-edge.service" <<'EOF'
[Unit]
Description=Aurora50 edge (Stripe webhooks, email delivery, auth callbacks, erasure)
After=network-online.target
Wants=network-online.target

[Service]
EnvironmentFile=/etc/aurora/edge.env
ExecStart=/usr/bin/aurora-edge
DynamicUser=yes
Restart=on-failure
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$edge_root/DEBIAN"
cat >"$edge_root/DEBIAN/control" <<EOF
Package: aurora-edge
Version: $edge_version
Architecture: $arch
Maintainer: Aurora50 <tech@aurora50.fr>
Depends: libc6
Section: web
Priority: optional
Description: Aurora50's edge service
 Stripe webhooks, Brevo email delivery, Supabase auth callbacks and account erasure, in
 front of a database with the aurora extension. Configure it in /etc/aurora/edge.env.
EOF
edge_deb="$out/aurora-edge_${edge_version}_$arch.deb"
dpkg-deb --root-owner-group --build "$edge_root" "$edge_deb" >/dev/null
done_step
echo "$ext_deb"
echo "$edge_deb"
