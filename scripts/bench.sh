#!/usr/bin/env bash
# Benchmarks: loads realistic data (100k members, 1,000 salons, 1M messages, 300k
# reactions, courses and progress), then runs each hot path the PostgREST way (role +
# request.jwt.claims per transaction) with pgbench at 1, 4 and 16 clients, against aurora,
# the PL/pgSQL way (bench/baseline.sql, schema `seed`) and the physical limit (`bare`),
# and prints one table with throughput, p50/p99 and ratios. Figures, not tests: nothing
# here fails on a timing. Env: BENCH_SECONDS (per run, default 8), BENCH_CLIENTS ("1 4 16").
source "$(dirname "$0")/lib.sh"
DB=aurora_bench
SECONDS_PER_RUN="${BENCH_SECONDS:-8}"
CLIENTS="${BENCH_CLIENTS:-1 4 16}"
OUT="$AURORA_ROOT/bench/results"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
T0=$SECONDS

step "prerequisites"; ensure_prerequisites; done_step
step "build and install the extension (release)"; install_extension --release; done_step
step "cluster"; ensure_cluster; done_step

step "data: members, salons, courses"
fresh_database "$DB"
psql_admin -d "$DB" -c "update aurora_settings set freemium_daily_messages = 1000000, freemium_salons_joined = 1000000,
                               freemium_daily_profile_views = 1000000"
/usr/bin/time -f "  loaded in %es" psql -X -q -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$DB" -f "$AURORA_ROOT/bench/data.sql"
done_step

# Backend CPU: the postmaster's reaped children's user + system time (/proc/<pid>/stat,
# fields 16-17): every backend of a run is reaped when pgbench disconnects, so the difference
# across a run is the CPU its backends used (plus any autovacuum worker that ended meanwhile).
POSTMASTER_PID=$(head -1 "$(psql_admin -d postgres -Atc "show data_directory")/postmaster.pid")
CLK_TCK=$(getconf CLK_TCK)
children_cpu_ticks() { awk '{print $16 + $17}' "/proc/$POSTMASTER_PID/stat"; }
wait_backends_gone() {
    for _ in $(seq 1 100); do
        [ "$(psql_admin -d "$DB" -Atc "select count(*) from pg_stat_activity where application_name = 'pgbench'")" = 0 ] && return
        sleep 0.05
    done
}

# one pgbench run: prints "tps p50_ms p99_ms cpu_us_per_transaction"
run() {
    local script="$1" clients="$2" threads=$(( $2 < 2 ? 1 : 2 ))
    local dir="$WORK/run.$RANDOM"
    mkdir -p "$dir"
    local tps txs cpu0 cpu1
    wait_backends_gone
    cpu0=$(children_cpu_ticks)
    tps=$( (cd "$dir" && pgbench -n -M prepared -c "$clients" -j "$threads" -T "$SECONDS_PER_RUN" --log \
              -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -f "$AURORA_ROOT/bench/workloads/$script" "$DB" 2>&1) \
           | tee "$dir/out" | awk '/^tps = /{print $3; exit}')
    wait_backends_gone
    cpu1=$(children_cpu_ticks)
    if [ -z "$tps" ]; then
        echo "pgbench failed for $script:" >&2; tail -5 "$dir/out" >&2; echo "0 0 0 0"; return
    fi
    txs=$(awk '/^number of transactions actually processed: /{print $6; exit}' "$dir/out")
    cat "$dir"/pgbench_log.* | awk '{print $3}' | sort -n | awk -v tps="$tps" -v ticks=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$txs" '
        {a[NR] = $1} END {p50 = a[int(NR * 0.50) + 1]; p99 = a[int(NR * 0.99) + 1];
                          printf "%.0f %.2f %.2f %.1f\n", tps, p50 / 1000, p99 / 1000, (n > 0 ? ticks * 1e6 / hz / n : 0)}'
}

declare -A R
bench() { # name script-suffixes...
    local name="$1"; shift
    for c in $CLIENTS; do
        for impl in "$@"; do
            R["$name/$impl/$c"]="$(run "${name}_${impl}.sql" "$c")"
            echo "  $name $impl c=$c: ${R[$name/$impl/$c]} (tps p50 p99 cpu_us/tx)"
        done
    done
}

# EXPLAIN of the read page as the workload runs it: a member (user 64230, of salon 500),
# her role and claims set, the page query with authors and reply excerpts
explain_page() {
    psql_admin -d "$DB" -At -c "begin" -c "set local role authenticated" \
        -c "select set_config('request.jwt.claims', '{\"sub\": \"00000000-0000-4000-8000-00000000fae6\", \"role\": \"authenticated\"}', true)" \
        -c "explain (analyze, buffers, costs off, timing off)
            select m.id, m.content, m.created_at, m.full_name, m.avatar_url, left(r.content, 120) as reply_excerpt
              from chat_messages_with_profiles m
              left join chat_messages r on r.salon_id = m.salon_id and r.id = m.reply_to_id
             where m.salon_id = '10000000-0000-4000-8000-0000000001f4'
             order by m.created_at desc, m.id desc limit 50" -c "rollback" > "$OUT/$1"
}

step "messages 1..100k; read page at 100k"
psql_admin -d "$DB" -v first=1 -v last=100000 -f "$AURORA_ROOT/bench/messages.sql"
psql_admin -d "$DB" -f "$AURORA_ROOT/bench/baseline.sql"
for c in 16; do
    R["page100k/aurora/$c"]="$(run page_aurora.sql $c)"; R["page100k/seed/$c"]="$(run page_seed.sql $c)"
    echo "  page@100k c=$c aurora ${R[page100k/aurora/$c]} seed ${R[page100k/seed/$c]}"
done
explain_page explain_page_100k.txt
done_step

step "messages to 1M, baselines reloaded, the equal-work baseline"
psql_admin -d "$DB" -v first=100001 -v last=1000000 -f "$AURORA_ROOT/bench/messages.sql"
psql_admin -d "$DB" -f "$AURORA_ROOT/bench/baseline.sql"
psql_admin -d "$DB" -f "$AURORA_ROOT/bench/equal_work.sql"
psql_admin -d "$DB" -c "vacuum analyze"
psql_admin -d "$DB" -Atc "select 'messages ' || count(*) from chat_messages" -c "select 'reactions ' || count(*) from message_reactions"
explain_page explain_page_1m.txt
done_step

step "workloads"
# the floor: the same transaction as a read page, with constants instead of the two queries
bench floor empty
# the page as two queries (the messages view, then the reactions batch) and as one RPC
bench page aurora rpc service_role seed
bench send_spread aurora eq seed bare
bench send_hot aurora eq seed bare
bench toggle aurora eq seed
bench join_leave aurora eq seed
bench heartbeat aurora seed
bench progress aurora eq seed
done_step

step "presence sweep at 100k members"
# Each sweep is timed as the presence worker runs it: in a warm session whose plan is
# ready (a first sweep finds nothing), on a vacuumed table, once the stale fraction's
# presence has just expired (set to expire 3 s ahead, then waited for).
sweep_ms() { # stale-fraction impl → median ms of 5 sweeps
    local frac="$1" impl="$2" i times=() call
    for i in 1 2 3 4 5; do
        if [ "$impl" = aurora ]; then
            call="select check_inactive_users()"
            psql_admin -d "$DB" -c "update profiles set presence_status = 'online', status = 'online', is_manual_status = false,
                   last_activity = now(), presence_expires_at = case when abs(hashtext(id::text)) % 10000 < $frac * 10000
                   then now() + interval '3 seconds' else now() + interval '1 hour' end" -c "vacuum analyze profiles"
        else
            call="select seed.check_inactive_users()"
            psql_admin -d "$DB" -c "update seed.profiles set presence_status = 'online', is_manual_status = false,
                   last_activity = case when abs(hashtext(id::text)) % 10000 < $frac * 10000
                   then now() - make_interval(secs => auto_offline_after - 3) else now() end" -c "vacuum analyze seed.profiles"
        fi
        times+=("$(psql -X -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$DB" \
                    -c "$call" -c 'select pg_sleep(3.5)' -c '\timing on' -c "$call" | awk '/^Time:/{print $2}')")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}
for frac in 0.01 0.5; do
    R["sweep$frac/aurora"]="$(sweep_ms $frac aurora)"
    R["sweep$frac/seed"]="$(sweep_ms $frac seed)"
    echo "  sweep ${frac}: aurora ${R[sweep$frac/aurora]} ms, seed ${R[sweep$frac/seed]} ms"
done
psql_admin -d "$DB" -c "update profiles set presence_status = 'online', is_manual_status = false,
       presence_expires_at = case when abs(hashtext(id::text)) % 100 = 0 then now() - interval '1 minute' else now() + interval '1 hour' end" \
    -c "vacuum analyze profiles"
# the sweep's own statement, rolled back
psql_admin -d "$DB" -At -c "begin" -c "explain (analyze, buffers, wal, costs off, timing off)
    update profiles set presence_status = 'offline', status = 'offline', status_updated_at = now()
     where presence_status <> 'offline' and not is_manual_status and presence_expires_at < now()" -c "rollback" \
    > "$OUT/explain_sweep.txt"
done_step

step "edge: verified webhooks, duplicates, and 10k emails through the outbox"
(cd "$AURORA_ROOT" && cargo build -q --release -p aurora-edge --bin aurora-edge --example webhook_load)
psql_admin -d postgres -c "do \$\$ begin
    if not exists (select from pg_roles where rolname = 'aurora_edge_bench') then
        create role aurora_edge_bench login in role aurora_edge;
    end if; end \$\$"
BREVO_PORT=18787 EDGE_PORT=18788
python3 "$AURORA_ROOT/bench/fake_brevo.py" "$BREVO_PORT" & FAKE_PID=$!
DATABASE_URL="postgres://aurora_edge_bench@${AURORA_PGHOST}:${AURORA_PGPORT}/$DB" AURORA_EDGE_ADDR="127.0.0.1:$EDGE_PORT" \
    STRIPE_WEBHOOK_SECRET=whsec_bench NEXT_PUBLIC_SUPABASE_URL=http://127.0.0.1:9 NEXT_PUBLIC_SUPABASE_ANON_KEY=bench \
    SUPABASE_JWT_SECRET=bench-secret-bench-secret-bench-secret BREVO_API_KEY=bench \
    BREVO_API_URL="http://127.0.0.1:$BREVO_PORT" BREVO_TEMPLATE_WELCOME=1 AURORA_DB_POOL_SIZE=32 \
    AURORA_EMAIL_BATCH=200 AURORA_EMAIL_CONCURRENCY=32 RUST_LOG=warn \
    "$AURORA_ROOT/target/release/aurora-edge" > "$WORK/edge.log" 2>&1 & EDGE_PID=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$EDGE_PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done
for c in $CLIENTS; do
    for mode in unique duplicate; do
        R["edge_$mode/$c"]="$("$AURORA_ROOT/target/release/examples/webhook_load" "http://127.0.0.1:$EDGE_PORT/api/webhooks/stripe" \
            whsec_bench "$c" "$SECONDS_PER_RUN" "$mode")"
        echo "  webhooks $mode c=$c: ${R[edge_$mode/$c]}"
    done
done
EDGE_RSS_KB=$(awk '/VmHWM/{print $2}' "/proc/$EDGE_PID/status")
echo "  edge peak RSS: $((EDGE_RSS_KB / 1024)) MB"
OUTBOX_T0=$(date +%s.%N)
psql_admin -d "$DB" -c "insert into email_outbox (template, recipient_email, params, idempotency_key)
    select 'welcome', 'membre' || g || '@bench.aurora50.fr', jsonb_build_object('prenom', 'Membre ' || g), 'bench:' || g
      from generate_series(1, 10000) g"
for _ in $(seq 1 1200); do
    done_n=$(psql_admin -d "$DB" -Atc "select count(*) from email_outbox where idempotency_key like 'bench:%' and status = 'sent'")
    [ "$done_n" -ge 10000 ] && break
    sleep 0.1
done
OUTBOX_S=$(awk -v a="$OUTBOX_T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
echo "  outbox: $done_n of 10000 emails delivered in ${OUTBOX_S}s"
kill "$EDGE_PID" "$FAKE_PID" 2>/dev/null || true
wait "$EDGE_PID" 2>/dev/null || true
done_step

step "instructions per call: the same calls in a single-user backend under callgrind"
# Instructions, not seconds: repeatable whatever else the machine does. Each workload's calls
# (bench/cpu_calls.py: the pgbench inputs from a fixed seed, each call its own transaction,
# role and claims set the PostgREST way) run twice, 50 and 250 calls: the difference over 200
# is what one call costs, start-up and first-call planning left out. The floor is the same
# transaction with no call.
DATA_DIR=$(psql_admin -d postgres -Atc "show data_directory")
CONF_FILE=$(psql_admin -d postgres -Atc "show config_file")
stop_cluster
command -v valgrind >/dev/null || { apt-get install -y -qq valgrind >/dev/null; }
CG="$(mktemp -d)"; chmod 777 "$CG"   # the postgres user writes here
trap 'rm -rf "$WORK" "$CG"' EXIT
instructions() { # workload impl calls -> instructions of the whole run
    python3 "$AURORA_ROOT/bench/cpu_calls.py" "$1" "$2" "$3" > "$CG/calls.sql"
    runuser -u postgres -- valgrind --tool=callgrind --callgrind-out-file="$CG/out" "$PG_BIN/postgres" --single \
        -D "$DATA_DIR" -c config_file="$CONF_FILE" "$DB" < "$CG/calls.sql" > "$CG/stdout" 2> "$CG/stderr"
    if grep -q "ERROR" "$CG/stderr"; then echo "  callgrind: $1 $2 raised:" >&2; grep -m3 ERROR "$CG/stderr" >&2; fi
    if [ -s "$CG/out" ]; then awk '/^summary:/{print $2}' "$CG/out"; rm -f "$CG/out"
    else echo "  callgrind: no profile for $1 $2:" >&2; tail -3 "$CG/stderr" >&2; echo 0; fi
}
for w in floor send toggle join_leave progress page; do
    for impl in aurora eq; do
        [ "$w" = floor ] || [ "$w" = page ] && [ "$impl" = eq ] && continue
        a=$(instructions "$w" "$impl" 50); b=$(instructions "$w" "$impl" 250)
        R["ir/$w/$impl"]=$(( (b - a) / 200 ))
        echo "  $w $impl: ${R[ir/$w/$impl]} instructions per transaction"
    done
done
ensure_cluster
done_step

# the report --------------------------------------------------------------------------------
field() { echo "${R[$1]:-0 0 0 0}" | awk -v f="$2" '{print $f}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "—" }'; }
{
    echo "Against the equal-work PL/pgSQL baseline (bench/equal_work.sql: the same writes, checks and"
    echo "answers, kept in step by tests/equal_work.sh). CPU: backend user + system time per transaction;"
    echo "per call: minus the floor's (the same transaction with no call)."
    echo
    echo "| workload | clients | aurora tx/s | equal-work tx/s | throughput aurora / eq | aurora CPU µs/tx | eq CPU µs/tx | CPU per call aurora / eq |"
    echo "|---|---|---|---|---|---|---|---|"
    for w in send_spread send_hot toggle join_leave progress; do
        for c in $CLIENTS; do
            a=$(field "$w/aurora/$c" 1); e=$(field "$w/eq/$c" 1)
            ac=$(field "$w/aurora/$c" 4); ec=$(field "$w/eq/$c" 4); fc=$(field "floor/empty/$c" 4)
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n" "$w" "$c" "$a" "$e" "$(ratio "$a" "$e")" "$ac" "$ec" \
                "$(awk -v a="$ac" -v e="$ec" -v f="$fc" 'BEGIN { if (e - f > 0) printf "%.2f", (a - f) / (e - f); else print "—" }')"
        done
    done
    for c in $CLIENTS; do
        printf "| floor (no call) | %s | %s | | | %s | | |\n" "$c" "$(field "floor/empty/$c" 1)" "$(field "floor/empty/$c" 4)"
    done
    echo
    echo "Instructions per transaction (callgrind, single-user backend, the same 200 calls for both; per call: minus"
    echo "the floor's ${R[ir/floor/aurora]:-?}):"
    echo
    echo "| workload | aurora | equal-work PL/pgSQL | aurora / eq | per call, aurora / eq |"
    echo "|---|---|---|---|---|"
    for w in send toggle join_leave progress; do
        a=${R[ir/$w/aurora]:-0}; e=${R[ir/$w/eq]:-0}; f=${R[ir/floor/aurora]:-0}
        printf "| %s | %s | %s | %s | %s |\n" "$w" "$a" "$e" "$(ratio "$a" "$e")" "$(ratio $((a - f)) $((e - f)))"
    done
    echo
    echo "The read page in one call (get_salon_page, 50 messages): ${R[ir/page/aurora]:-?} instructions per transaction,"
    echo "$(ratio "${R[ir/page/aurora]:-0}" "${R[ir/floor/aurora]:-0}") × the floor's."
    echo
    echo "Against the seed's PL/pgSQL (bench/baseline.sql: less work — no history, points, badges, activity,"
    echo "shards, rate limits or foreign keys) and the bare insert:"
    echo
    echo "| workload | clients | aurora tx/s | p50 ms | p99 ms | PL/pgSQL tx/s | aurora / PL/pgSQL | bare tx/s | aurora / bare |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for w in send_spread send_hot toggle page join_leave heartbeat progress; do
        for c in $CLIENTS; do
            a=$(field "$w/aurora/$c" 1); s=$(field "$w/seed/$c" 1); b=$(field "$w/bare/$c" 1)
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$w" "$c" "$a" "$(field "$w/aurora/$c" 2)" \
                "$(field "$w/aurora/$c" 3)" "$s" "$(ratio "$a" "$s")" \
                "$([ "$b" = 0 ] && echo — || echo "$b")" "$([ "$b" = 0 ] && echo — || ratio "$a" "$b")"
        done
    done
    for c in $CLIENTS; do
        a=$(field "page/aurora/$c" 1); sr=$(field "page/service_role/$c" 1)
        printf "| page as service_role | %s | %s | %s | %s | | RLS overhead (service_role / member): %s | | |\n" \
            "$c" "$sr" "$(field "page/service_role/$c" 2)" "$(field "page/service_role/$c" 3)" "$(ratio "$sr" "$a")"
    done
    printf "| page at 100k messages | 16 | %s | %s | %s | %s | %s | | |\n" "$(field page100k/aurora/16 1)" \
        "$(field page100k/aurora/16 2)" "$(field page100k/aurora/16 3)" "$(field page100k/seed/16 1)" \
        "$(ratio "$(field page100k/aurora/16 1)" "$(field page100k/seed/16 1)")"
    for c in $CLIENTS; do
        printf "| floor: the page's transaction with no work | %s | %s | %s | %s | | | | |\n" "$c" \
            "$(field "floor/empty/$c" 1)" "$(field "floor/empty/$c" 2)" "$(field "floor/empty/$c" 3)"
    done
    for c in $CLIENTS; do
        a=$(field "page/rpc/$c" 1); s=$(field "page/seed/$c" 1); f=$(field "floor/empty/$c" 1)
        printf "| page in one RPC (get_salon_page) | %s | %s | %s | %s | %s | %s | floor / page: %s | two queries / RPC: %s |\n" \
            "$c" "$a" "$(field "page/rpc/$c" 2)" "$(field "page/rpc/$c" 3)" "$s" "$(ratio "$a" "$s")" \
            "$(ratio "$f" "$a")" "$(ratio "$(field "page/aurora/$c" 1)" "$a")"
    done
    echo
    echo "| presence sweep, 100k members | aurora ms | PL/pgSQL ms | PL/pgSQL / aurora |"
    echo "|---|---|---|---|"
    for frac in 0.01 0.5; do
        echo "| $(awk -v f=$frac 'BEGIN{print f*100}')% stale | ${R[sweep$frac/aurora]} | ${R[sweep$frac/seed]} | $(ratio "${R[sweep$frac/seed]}" "${R[sweep$frac/aurora]}") |"
    done
    echo
    echo "| edge, POST /api/webhooks/stripe | clients | requests/s | p50 ms | p99 ms |"
    echo "|---|---|---|---|---|"
    for mode in unique duplicate; do
        for c in $CLIENTS; do
            echo "${R[edge_$mode/$c]}" | awk -v m="$mode" -v c="$c" '{printf "| %s signed events | %s | %s | %s | %s |\n", m, c, $6, $8, $10}'
        done
    done
    echo
    echo "Edge peak RSS $((EDGE_RSS_KB / 1024)) MB. Outbox: 10,000 emails queued → delivered to a local fake Brevo in ${OUTBOX_S} s."
    echo
    echo "Machine: $(lscpu | awk -F: '/Model name/{gsub(/^ +/, "", $2); print $2; exit}'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r); PostgreSQL $(psql_admin -d "$DB" -Atc 'show server_version');"
    echo "pgbench -M prepared, ${SECONDS_PER_RUN}s per run; $(date -u +%Y-%m-%dT%H:%MZ). EXPLAINs in bench/results/."
} | tee "$OUT/latest.md"
echo "=== bench done in $((SECONDS - T0))s"
