# Shared by scripts/*.sh. Idempotent helpers for a fresh Debian 12 machine, run as root.
# PostgreSQL runs as the `postgres` user in a dedicated cluster ("aurora", port 5433 by
# default), so whatever else runs on 5432 is left alone.
set -euo pipefail

AURORA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_BIN}/pg_config"
PGRX_VERSION=0.18.1   # must equal the pgrx pinned in aurora_ext/Cargo.toml
AURORA_CLUSTER="${AURORA_CLUSTER:-aurora}"
AURORA_PGPORT="${AURORA_PGPORT:-5433}"
AURORA_PGHOST=127.0.0.1
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

step() { STEP_NAME="$1"; STEP_T0=$SECONDS; echo "=== $1"; }
done_step() { echo "=== done: ${STEP_NAME} ($((SECONDS - STEP_T0))s)"; }
die() { echo "error: $*" >&2; exit 1; }

ensure_packages() {
    local wanted=(postgresql-${PG_MAJOR} postgresql-client-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR}
                  postgresql-${PG_MAJOR}-pgtap libtap-parser-sourcehandler-pgtap-perl
                  libclang-dev clang pkg-config sudo curl ca-certificates openssl python3-venv pgbouncer
                  postgresql-${PG_MAJOR}-cron)
    local missing=()
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

ensure_rust() {
    command -v cargo >/dev/null || die "cargo not found: this machine needs a Rust toolchain (rustup)"
}

ensure_cargo_pgrx() {
    if [ "$(cargo pgrx --version 2>/dev/null || true)" != "cargo-pgrx ${PGRX_VERSION}" ]; then
        cargo install cargo-pgrx --version "=${PGRX_VERSION}" --locked
    fi
    # As root this only writes ~/.pgrx/config.toml. Never `cargo pgrx init` without --pg15:
    # it downloads PostgreSQL sources. Touching the file rebuilds pgrx-pg-sys: only when needed.
    local cfg="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
    if ! grep -qxF "pg${PG_MAJOR} = \"${PG_CONFIG}\"" "$cfg" 2>/dev/null; then
        cargo pgrx init --pg${PG_MAJOR} "${PG_CONFIG}"
    fi
}

ensure_prerequisites() {
    ensure_packages
    ensure_rust
    ensure_cargo_pgrx
}

cluster_exists() {
    pg_lsclusters -h 2>/dev/null | awk -v v="$PG_MAJOR" -v c="$AURORA_CLUSTER" '$1 == v && $2 == c {f=1} END {exit !f}'
}

# The development/test cluster: local connections as any role without a password
# (trust on the loopback and the socket only). Logical WAL so realtime publications work.
# aurora is preloaded so its presence sweep worker exists (idle until
# aurora.presence_sweep_interval is set).
ensure_cluster() {
    if ! cluster_exists; then
        pg_createcluster "$PG_MAJOR" "$AURORA_CLUSTER" -p "$AURORA_PGPORT" \
            -- --auth-local=trust --auth-host=trust >/dev/null
        pg_conftool "$PG_MAJOR" "$AURORA_CLUSTER" set listen_addresses 'localhost'
        pg_conftool "$PG_MAJOR" "$AURORA_CLUSTER" set wal_level logical
        pg_conftool "$PG_MAJOR" "$AURORA_CLUSTER" set max_connections 200
    fi
    if [ "$(pg_conftool -s "$PG_MAJOR" "$AURORA_CLUSTER" show shared_preload_libraries 2>/dev/null)" != "aurora" ]; then
        pg_conftool "$PG_MAJOR" "$AURORA_CLUSTER" set shared_preload_libraries aurora
        stop_cluster
    fi
    if ! pg_lsclusters -h | awk -v v="$PG_MAJOR" -v c="$AURORA_CLUSTER" '$1 == v && $2 == c && $4 == "online" {f=1} END {exit !f}'; then
        pg_ctlcluster "$PG_MAJOR" "$AURORA_CLUSTER" start
    fi
    for _ in $(seq 1 50); do
        pg_isready -q -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres && return 0
        sleep 0.2
    done
    die "PostgreSQL cluster ${PG_MAJOR}/${AURORA_CLUSTER} did not come up on port ${AURORA_PGPORT}"
}

stop_cluster() {
    if cluster_exists; then
        pg_ctlcluster "$PG_MAJOR" "$AURORA_CLUSTER" stop -m fast 2>/dev/null || true
    fi
}

# Build and install the extension. A running server keeps the old library mapped, and
# overwriting it in place crashes its backends: stop the cluster and unlink first.
install_extension() {
    local profile_flag=("$@")
    stop_cluster
    rm -f "$("$PG_CONFIG" --pkglibdir)/aurora.so"
    (cd "$AURORA_ROOT" && cargo pgrx install -p aurora --pg-config "$PG_CONFIG" "${profile_flag[@]}")
}

# Node.js 20+ and the pinned tools of types/check (Supabase's type generator, TypeScript,
# supabase-js), installed from npm into the clone (types/check/node_modules).
ensure_typegen() {
    # these machines have Node.js 20; Debian's (18) is the fallback where there is none
    command -v node >/dev/null || { apt-get update -qq; apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
    (cd "$AURORA_ROOT/types/check" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
}

# Supabase's TypeScript types of database $1's public schema, as `supabase gen types
# typescript` makes them (the generator runs the same way inside the CLI's container).
generate_types() {
    PG_META_DB_URL="postgresql://postgres@${AURORA_PGHOST}:${AURORA_PGPORT}/$1" \
        PG_META_GENERATE_TYPES=typescript PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS=public \
        node "$AURORA_ROOT/types/check/node_modules/@supabase/postgres-meta/dist/server/server.js" 2>/dev/null
}

psql_admin() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres "$@"
}

db_url() { echo "postgres://postgres@${AURORA_PGHOST}:${AURORA_PGPORT}/$1"; }

# A new database with the Supabase environment and the extension.
fresh_database() {
    local db="$1"
    psql_admin -d postgres -c "drop database if exists ${db} with (force)" -c "create database ${db}"
    psql_admin -d "$db" -f "$AURORA_ROOT/sql/supabase_env.sql" 2>&1 | grep -v -e "wal_level" -e "^HINT" || true
    psql_admin -d "$db" -c "create extension aurora"
}

# Checks for the shell test tiers (tests/*.sh): `ok "what held"` counts and prints a TAP
# line; `fail "what did not"` stops the tier.
passed=0
ok() { passed=$((passed + 1)); echo "ok $passed - $*"; }
fail() { echo "not ok - $*" >&2; exit 1; }
