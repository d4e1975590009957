#!/usr/bin/env bash
# Failover drill with pg_auto_failover (Debian's postgresql-15-auto-failover): a monitor, a
# primary and a secondary on this machine (synchronous replication, as pg_auto_failover
# sets it up), the edge with a multi-host DATABASE_URL, Stripe webhooks and outbox emails
# flowing; then a planned failover (`pg_autoctl perform failover`) and the primary node
# killed (-9, keeper and server). It checks that no acknowledged (2xx) webhook is lost,
# that every email reaches Brevo under its key, that the edge was never restarted, and
# prints each outage in seconds. Loopback only; about three minutes.
#
#   bash scripts/failover-drill.sh
#
# (tests/tests/standby.rs checks the same behaviour in every CI run, with a promotion done
# by hand instead of pg_auto_failover's.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
set +e
ensure_prerequisites
apt_missing=()
for p in postgresql-15-auto-failover pg-auto-failover-cli python3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$p")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
set -e
step "build the extension and the edge"
install_extension >/dev/null
(cd "$AURORA_ROOT" && cargo build -q -p aurora-edge)
done_step

W=/tmp/aurora-drill
PGCTL=/usr/lib/postgresql/15/bin/pg_ctl
MON_PORT=6100; N1_PORT=6101; N2_PORT=6102; EDGE_PORT=6180; BREVO_PORT=6190
pids=()
# every process under a pid (a node's keeper and what it runs; a server and its backends)
tree() { local p; for p in $(ps -o pid= --ppid "$1"); do tree "$p"; done; echo "$1"; }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # the servers with their backends (their titles do not name the directory), then
    # whatever else runs from the drill's directory: keepers, the fake Brevo and Stripe
    for f in "$W"/*/postmaster.pid; do
        [ -f "$f" ] && kill -9 $(tree "$(head -1 "$f")") 2>/dev/null || true
    done
    pkill -9 -f "$W" 2>/dev/null || true
    # and anything of an earlier drill: servers working in its directories, keepers
    # carrying its environment (their titles name neither)
    local p
    for p in $(pgrep -u postgres 2>/dev/null); do
        case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$W"*) kill -9 "$p" 2>/dev/null || true; continue;; esac
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -q "^XDG_CONFIG_HOME=$W" && kill -9 "$p" 2>/dev/null || true
    done
    sleep 0.5
}
trap cleanup EXIT
cleanup
rm -rf "$W"; mkdir -p "$W"; chown postgres:postgres "$W"
as_pg() { runuser -u postgres -- env PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config XDG_CONFIG_HOME="$W/.config" XDG_DATA_HOME="$W/.local" "$@"; }
state() { as_pg pg_autoctl show state --pgdata "$W/monitor" 2>/dev/null; }
wait_for() { # wait_for <seconds> <description> <command…>
    local secs=$1 what=$2; shift 2
    for _ in $(seq 1 $((secs * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
    echo "error: timed out waiting for $what" >&2; state >&2
    as_pg psql -X "$MONITOR" -c "select nodename, goalstate, reportedstate, health, reporttime, healthchecktime, reportedlsn from pgautofailover.node" >&2 || true
    tail -15 "$W/monitor.log" "$W/n1.log" >&2; exit 1
}

step "pg_auto_failover: monitor, primary, secondary"
as_pg pg_autoctl create monitor --pgdata "$W/monitor" --pgport $MON_PORT --hostname localhost --auth trust --no-ssl --pgctl "$PGCTL" >"$W/monitor.create.log" 2>&1
setsid runuser -u postgres -- env XDG_CONFIG_HOME="$W/.config" XDG_DATA_HOME="$W/.local" pg_autoctl run --pgdata "$W/monitor" >"$W/monitor.log" 2>&1 & pids+=($!)
MONITOR="postgres://autoctl_node@localhost:$MON_PORT/pg_auto_failover?sslmode=disable"
wait_for 60 "the monitor" as_pg psql -X -q "$MONITOR" -c "select 1"
node() { # node <name> <port>
    as_pg pg_autoctl create postgres --pgdata "$W/$1" --pgport "$2" --hostname localhost --auth trust --no-ssl \
        --pgctl "$PGCTL" --monitor "$MONITOR" --name "$1" >"$W/$1.create.log" 2>&1
    setsid runuser -u postgres -- env XDG_CONFIG_HOME="$W/.config" XDG_DATA_HOME="$W/.local" pg_autoctl run --pgdata "$W/$1" >"$W/$1.log" 2>&1 & pids+=($!)
    runner[$1]=$!
}
declare -A runner
node n1 $N1_PORT
wait_for 90 "n1 primary" sh -c "runuser -u postgres -- psql -X -At -h localhost -p $N1_PORT -d postgres -c 'select not pg_is_in_recovery()' | grep -q t"
# the edge and this drill connect over TCP as postgres; pg_basebackup copies this to n2
printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' >>"$W/n1/pg_hba.conf"
as_pg psql -X -q -h localhost -p $N1_PORT -d postgres -c "select pg_reload_conf()"
node n2 $N2_PORT
wait_for 180 "n2 secondary" sh -c "runuser -u postgres -- psql -X -At -h localhost -p $N1_PORT -d postgres -c \"select count(*) from pg_stat_replication where sync_state in ('sync', 'quorum')\" | grep -q 1"
state
done_step

step "aurora on the primary, the edge with both hosts"
psql_n1() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h localhost -p $N1_PORT "$@"; }
psql_n1 -d postgres -c "create database aurora"
cp "$AURORA_ROOT/sql/supabase_env.sql" "$W/env.sql"; chown postgres "$W/env.sql"
psql_n1 -d aurora -f "$W/env.sql" >/dev/null 2>&1
psql_n1 -d aurora -c "create extension aurora" \
    -c "insert into auth.users (id, email, email_confirmed_at) select gen_random_uuid(), 'm' || g || '@example.fr', now() from generate_series(1, 10) g" \
    -c "select count(*) from (select aurora_private.queue_email('payment-failed', p.id, '{}', 'drill:' || p.id || ':' || g) from profiles p, generate_series(1, 30) g) x"
# Brevo: records each send's idempotency key, 100 ms per send, so emails flow through the failovers
cat >"$W/brevo.py" <<'PY'
import http.server, json, sys, time, threading
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get('content-length', 0))) or b'{}')
        time.sleep(0.1)
        key = (body.get('headers') or {}).get('idempotencyKey')
        if key:
            with lock, open(sys.argv[2], 'a') as f: f.write(key + '\n')
        out = json.dumps({'messageId': '<%s@drill>' % key}).encode()
        self.send_response(201); self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(out))); self.end_headers(); self.wfile.write(out)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 "$W/brevo.py" $BREVO_PORT "$W/brevo.keys" & pids+=($!)
DATABASE_URL="postgres://postgres@localhost:$N1_PORT,localhost:$N2_PORT/aurora?target_session_attrs=read-write" \
AURORA_EDGE_ADDR=127.0.0.1:$EDGE_PORT STRIPE_WEBHOOK_SECRET=whsec_drill \
NEXT_PUBLIC_SUPABASE_URL=http://127.0.0.1:9 NEXT_PUBLIC_SUPABASE_ANON_KEY=anon \
BREVO_API_KEY=drill BREVO_API_URL=http://127.0.0.1:$BREVO_PORT BREVO_TEMPLATE_PAYMENT_FAILED=15 \
AURORA_EMAIL_POLL_MS=200 AURORA_EMAIL_BATCH=5 AURORA_EMAIL_CONCURRENCY=2 AURORA_READY_TIMEOUT_MS=1000 AURORA_MAX_CONNECTIONS_PER_IP=100000 RUST_LOG=warn \
    "$AURORA_ROOT/target/debug/aurora-edge" >"$W/edge.log" 2>&1 & EDGE_PID=$!; pids+=($EDGE_PID)
wait_for 30 "the edge" curl -fsS http://127.0.0.1:$EDGE_PORT/ready
done_step

# Stripe: signed webhooks from 2 senders, each answer logged (id status unix-time)
cat >"$W/stripe.py" <<'PY'
import hashlib, hmac, json, sys, threading, time, urllib.request
url, secret, log, stop = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4]
import os
def sender(n):
    i = 0
    while not os.path.exists(stop):
        i += 1
        t = int(time.time())
        body = json.dumps({'id': 'evt_drill_%d_%d' % (n, i), 'object': 'event', 'type': 'customer.created', 'created': t,
                           'livemode': False, 'data': {'object': {'id': 'cus_drill_%d_%d' % (n, i), 'object': 'customer'}}}).encode()
        sig = hmac.new(secret, b'%d.' % t + body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(url, body, {'stripe-signature': 't=%d,v1=%s' % (t, sig), 'content-type': 'application/json'})
        try:
            status = urllib.request.urlopen(req, timeout=5).status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception:
            status = 599
        with open(log, 'a') as f: f.write('evt_drill_%d_%d %d %.3f\n' % (n, i, status, time.time()))
        time.sleep(0.02)
threads = [threading.Thread(target=sender, args=(n,)) for n in range(2)]
[t.start() for t in threads]; [t.join() for t in threads]
PY
outage() { # outage <from unix time>: the refused answers after it and their span
    python3 - "$W/stripe.log" "$1" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
after = [(float(t), int(s)) for _, s, t in rows if float(t) >= float(sys.argv[2])]
bad = [t for t, s in after if s != 200]
print('%d answers, %d refused (%s), refused for %.1f s' % (len(after), len(bad),
      ', '.join(sorted({str(s) for t, s in after if s != 200})) or 'none', (max(bad) - min(bad)) if bad else 0.0))
PY
}
primary_port() { for p in $N1_PORT $N2_PORT; do
    [ "$(runuser -u postgres -- psql -X -At -h localhost -p $p -d postgres -c 'select not pg_is_in_recovery()' 2>/dev/null)" = t ] && echo $p && return; done; }

step "traffic, then a planned failover"
python3 "$W/stripe.py" http://127.0.0.1:$EDGE_PORT/api/webhooks/stripe whsec_drill "$W/stripe.log" "$W/stop" & SENDER=$!; pids+=($SENDER)
sleep 3
t1=$(date +%s.%N)
as_pg pg_autoctl perform failover --pgdata "$W/monitor" >"$W/failover.log" 2>&1
wait_for 120 "a new primary on n2" sh -c "[ \"\$(runuser -u postgres -- psql -X -At -h localhost -p $N2_PORT -d postgres -c 'select not pg_is_in_recovery()')\" = t ]"
wait_for 180 "n1 back as a secondary" sh -c "runuser -u postgres -- psql -X -At -h localhost -p $N2_PORT -d postgres -c \"select count(*) from pg_stat_replication where sync_state in ('sync', 'quorum')\" | grep -q 1"
sleep 3
echo "planned failover: $(outage "$t1")"
done_step

step "the primary node killed (-9: keeper and server)"
victim=$(primary_port); vdir=$([ "$victim" = $N1_PORT ] && echo n1 || echo n2)
t2=$(date +%s.%N)
postmaster=$(head -1 "$W/$vdir/postmaster.pid")
# the keeper (and what it runs), then the server pg_ctl detached from it, with its backends
kill -9 $(tree "${runner[$vdir]}") $(tree "$postmaster") 2>/dev/null || true
sleep 0.5
! runuser -u postgres -- psql -X -At -h localhost -p "$victim" -d postgres -c 'select 1' >/dev/null 2>&1 || fail "$vdir still answers"

survivor=$([ "$victim" = $N1_PORT ] && echo $N2_PORT || echo $N1_PORT)
wait_for 180 "the secondary promoted" sh -c "[ \"\$(runuser -u postgres -- psql -X -At -h localhost -p $survivor -d postgres -c 'select not pg_is_in_recovery()')\" = t ]"
wait_for 60 "the edge answering again" sh -c "tail -1 '$W/stripe.log' | grep -q ' 200 '"
sleep 3
echo "node killed: $(outage "$t2")"
touch "$W/stop"; wait $SENDER || true
done_step

step "checks"
psql_s() { runuser -u postgres -- psql -X -At -h localhost -p $survivor -d aurora "$@"; }
acked=$(awk '$2 == 200 {print $1}' "$W/stripe.log")
n_acked=$(echo "$acked" | grep -c . || true)
printf '%s\n' $acked | sed "s/.*/'&'/" | paste -sd, >"$W/acked.sql"
kept=$(psql_s -c "select count(*) from stripe_events where id in ($(cat "$W/acked.sql"))")
echo "webhooks: $(wc -l <"$W/stripe.log") sent, $n_acked acknowledged, $kept of them in the database, $(awk '$2 == 500' "$W/stripe.log" | wc -l) answered 500"
[ "$kept" = "$n_acked" ] || fail "an acknowledged webhook was lost"
for _ in $(seq 1 120); do [ "$(psql_s -c "select count(*) from email_outbox where template = 'payment-failed' and status <> 'sent'")" = 0 ] && break; sleep 0.5; done
psql_s -c "select delivery_key from email_outbox where template = 'payment-failed'" | sort >"$W/keys.db"
sort -u "$W/brevo.keys" >"$W/keys.sent"
missing=$(comm -23 "$W/keys.db" "$W/keys.sent" | wc -l)
echo "emails: $(wc -l <"$W/keys.db") queued, $(wc -l <"$W/brevo.keys") sends to Brevo, $(wc -l <"$W/keys.sent") distinct keys, $missing never sent"
[ "$missing" = 0 ] || fail "an email never reached Brevo"
kill -0 $EDGE_PID || fail "the edge died"
echo "the edge ran throughout (pid $EDGE_PID); $(grep -c 'ERROR' "$W/edge.log" || true) error lines in its log"
done_step
echo "failover drill: passed"
