#!/usr/bin/env bash
# Brings the whole system up: PostgreSQL 15 with the aurora extension and demo data in
# database "aurora", and aurora-edge on http://127.0.0.1:8787. Safe to run again: it
# rebuilds, recreates the demo database and restarts the edge.
source "$(dirname "$0")/lib.sh"
RUN_DIR="$AURORA_ROOT/.run"
EDGE_ADDR="${AURORA_EDGE_ADDR:-127.0.0.1:8787}"
mkdir -p "$RUN_DIR"

step "prerequisites"; ensure_prerequisites; done_step

step "stop a previous edge"
if [ -f "$RUN_DIR/edge.pid" ] && kill -0 "$(cat "$RUN_DIR/edge.pid")" 2>/dev/null; then
    kill "$(cat "$RUN_DIR/edge.pid")"
    for _ in $(seq 1 50); do kill -0 "$(cat "$RUN_DIR/edge.pid")" 2>/dev/null || break; sleep 0.1; done
fi
rm -f "$RUN_DIR/edge.pid"
# anything else answering there (an edge started from another checkout) would answer our
# readiness check while ours fails to bind: say so instead
if curl -fsS -o /dev/null --max-time 2 "http://${EDGE_ADDR}/health" 2>/dev/null; then
    die "something already answers on http://${EDGE_ADDR} (another aurora-edge?): stop it, or choose another address with AURORA_EDGE_ADDR"
fi
done_step

step "build and install the extension (release)"; install_extension --release; done_step
step "PostgreSQL cluster ${PG_MAJOR}/${AURORA_CLUSTER} on port ${AURORA_PGPORT}"; ensure_cluster; done_step

step "database aurora: Supabase environment, extension, demo data"
fresh_database aurora
psql_admin -d aurora -f "$AURORA_ROOT/sql/demo_seed.sql"
psql_admin -d aurora -c "select count(*) as users from auth.users" -c "select name, member_count, message_count from salons_with_details order by name"
done_step

step "build and start aurora-edge"
(cd "$AURORA_ROOT" && cargo build --release -p aurora-edge)
# the edge's own login role: no superuser, privileges through aurora_edge only
psql_admin -d postgres -c "do \$\$ begin
    if not exists (select from pg_roles where rolname = 'aurora_edge_dev') then
        create role aurora_edge_dev login in role aurora_edge;
    end if; end \$\$"
EDGE_DATABASE_URL="postgres://aurora_edge_dev@${AURORA_PGHOST}:${AURORA_PGPORT}/aurora"
DATABASE_URL="$EDGE_DATABASE_URL" AURORA_EDGE_ADDR="$EDGE_ADDR" NEXT_PUBLIC_DEV_MODE=true \
    STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_aurora_dev_only}" \
    NEXT_PUBLIC_SUPABASE_URL="${NEXT_PUBLIC_SUPABASE_URL:-http://127.0.0.1:9999}" \
    NEXT_PUBLIC_SUPABASE_ANON_KEY="${NEXT_PUBLIC_SUPABASE_ANON_KEY:-dev-anon-key}" \
    SUPABASE_JWT_SECRET="${SUPABASE_JWT_SECRET:-aurora-dev-jwt-secret-at-least-32-characters-long}" \
    nohup "$AURORA_ROOT/target/release/aurora-edge" >"$RUN_DIR/edge.log" 2>&1 &
echo $! >"$RUN_DIR/edge.pid"
for _ in $(seq 1 100); do
    kill -0 "$(cat "$RUN_DIR/edge.pid")" 2>/dev/null || { cat "$RUN_DIR/edge.log"; die "aurora-edge exited"; }
    curl -fsS "http://${EDGE_ADDR}/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
kill -0 "$(cat "$RUN_DIR/edge.pid")" 2>/dev/null || { cat "$RUN_DIR/edge.log"; die "aurora-edge exited"; }
curl -fsS "http://${EDGE_ADDR}/ready"; echo
done_step

cat <<EOT

aurora is up.
  database : psql -h ${AURORA_PGHOST} -p ${AURORA_PGPORT} -U postgres aurora
             ($(db_url aurora))
  edge     : http://${EDGE_ADDR}   (/health, /ready, /metrics; logs in .run/edge.log)
             connected as ${EDGE_DATABASE_URL}
  stripe   : stripe listen --forward-to http://${EDGE_ADDR}/api/webhooks/stripe
             (then restart with STRIPE_WEBHOOK_SECRET=<the whsec_ it prints> bash scripts/up.sh)
  stop     : kill \$(cat .run/edge.pid); pg_ctlcluster ${PG_MAJOR} ${AURORA_CLUSTER} stop
EOT
