#!/usr/bin/env bash
# Runs every test tier: #[pg_test] inside Postgres, the SQL contract suite (pgTAP, every
# role), dump/restore, and the Rust tests of the workspace (edge, cross-component).
source "$(dirname "$0")/lib.sh"
T0=$SECONDS
PGRX_TEST_PGDATA=/tmp/aurora-pgrx-test-pgdata
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
# run a tier, keeping its output to count what passed
tier() { local log="$LOGS/$1"; shift; "$@" 2>&1 | tee "$log"; return "${PIPESTATUS[0]}"; }

step "prerequisites"; ensure_prerequisites; done_step

step "tier 1: #[pg_test] (cargo pgrx test)"
# throwaway clusters left by killed runs
if [ -d "$PGRX_TEST_PGDATA" ]; then
    for d in "$PGRX_TEST_PGDATA"/*/; do
        [ -f "${d}postmaster.pid" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" stop -D "$d" -m immediate || true
    done
    rm -rf "$PGRX_TEST_PGDATA"
fi
# The harness creates the extension in a database of its own: give it the Supabase
# environment file at a path the postgres user can read.
install -m 0644 "$AURORA_ROOT/sql/supabase_env.sql" /tmp/aurora-supabase-env.sql
export AURORA_TEST_SUPABASE_ENV_FILE=/tmp/aurora-supabase-env.sql
stop_cluster   # the harness copies its build over the installed library
rm -f "$("$PG_CONFIG" --pkglibdir)/aurora.so"
(cd "$AURORA_ROOT" && tier pg_test cargo pgrx test pg${PG_MAJOR} -p aurora --runas postgres --pgdata "$PGRX_TEST_PGDATA")
done_step

step "install the extension (replaces the test build)"; install_extension; done_step
step "cluster"; ensure_cluster; done_step

step "tier 2: SQL contract tests (pgTAP)"
fresh_database aurora_test
psql_admin -d aurora_test -c "create extension pgtap" -f "$AURORA_ROOT/tests/sql/helpers.sql"
tier pgtap pg_prove -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d aurora_test --failures \
    "$AURORA_ROOT"/tests/sql/[0-9]*.sql
done_step

step "upgrade from the last release"; tier upgrade bash "$AURORA_ROOT/tests/upgrade.sh"; done_step

step "adoption of a legacy Aurora50 database"; tier adopt bash "$AURORA_ROOT/tests/adopt.sh"; done_step

step "dump and restore"; tier dump bash "$AURORA_ROOT/tests/dump_restore.sh"; done_step

step "the benchmark's equal-work baseline does what aurora does"; tier equal bash "$AURORA_ROOT/tests/equal_work.sh"; done_step

step "the supabase-js contract: generated types, tsc, docs"; tier types bash "$AURORA_ROOT/tests/types.sh"; done_step

step "Stripe signatures against Stripe's official library"; tier stripe bash "$AURORA_ROOT/tests/stripe_crosscheck.sh"; done_step

step "tier 3: Rust tests (edge, webhooks, concurrency)"
export AURORA_TEST_DATABASE_URL="$(db_url postgres)"
(cd "$AURORA_ROOT" && tier rust cargo test --workspace --exclude aurora --lib --bins --tests)
done_step

step "Debian packages"; tier package bash "$AURORA_ROOT/tests/package.sh"; done_step

cargo_passed() { grep -oE 'test result: ok\. [0-9]+ passed' "$1" | awk '{s += $4} END {print s + 0}'; }
n_pg_test=$(cargo_passed "$LOGS/pg_test")
n_pgtap=$(grep -oE 'Tests=[0-9]+' "$LOGS/pgtap" | tail -1 | cut -d= -f2)
n_upgrade=$(grep -oE '^upgrade: [0-9]+ passed' "$LOGS/upgrade" | awk '{print $2}')
n_adopt=$(grep -oE '^adoption: [0-9]+ passed' "$LOGS/adopt" | awk '{print $2}')
n_dump=$(grep -oE '^dump/restore: [0-9]+ passed' "$LOGS/dump" | awk '{print $2}')
n_equal=$(grep -oE '^equal-work: [0-9]+ passed' "$LOGS/equal" | awk '{print $2}')
n_rust=$(cargo_passed "$LOGS/rust")
n_types=$(grep -oE '^types: [0-9]+ passed' "$LOGS/types" | awk '{print $2}')
n_package=$(grep -oE '^packages: [0-9]+ passed' "$LOGS/package" | awk '{print $2}')
n_stripe=$(grep -oE 'stripe cross-check .*: [0-9]+ passed' "$LOGS/stripe" | grep -oE '[0-9]+ passed' | awk '{print $1}')
echo "=== all tiers passed in $((SECONDS - T0))s: pg_test ${n_pg_test}, pgTAP ${n_pgtap}, upgrade ${n_upgrade}, adoption ${n_adopt}, dump/restore ${n_dump}, equal-work ${n_equal}, types ${n_types}, Stripe ${n_stripe}, Rust ${n_rust}, packages ${n_package}"
echo "total: $((n_pg_test + n_pgtap + n_upgrade + n_adopt + n_dump + n_equal + n_types + n_stripe + n_rust + n_package)) passed, 0 failed"
