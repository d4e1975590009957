#!/usr/bin/env bash
# The equal-work baseline (bench/equal_work.sql) does what aurora does: on the demo data,
# the same calls run against aurora and against the baseline, one transaction each, in turn:
# send, toggle, join, leave, progress, with their failure paths (limits, outsiders, bad
# input, anon). Each pair must give the same answer (or the same SQLSTATE, message, detail
# and hint) and write the same number of rows per table (pg_stat_xact_user_tables: inserts,
# updates, deletes); at the end every table the paths write holds the same rows.
# Volatile values are compared by presence only: timestamps, generated ids.
source "$(dirname "$0")/../scripts/lib.sh"
DB=aurora_equal_work
export PGHOST="$AURORA_PGHOST" PGPORT="$AURORA_PGPORT" PGUSER=postgres

fresh_database "$DB"
psql_admin -d "$DB" -f "$AURORA_ROOT/sql/demo_seed.sql"
# limits small enough to reach; Inès enrolled long enough ago for every lesson to be out
psql_admin -d "$DB" -c "update aurora_settings set freemium_daily_messages = 3, freemium_salons_joined = 2,
                                                  join_attempts_per_window = 3" \
    -c "update enrollments set enrolled_at = now() - interval '30 days'
         where user_id = '11111111-1111-4111-8111-111111111111'"
psql_admin -d "$DB" -f "$AURORA_ROOT/bench/equal_work.sql" >/dev/null

psql_admin -d "$DB" <<'SQL'
create schema eqt;
create table eqt.results (step int, impl text, label text, answer jsonb, writes jsonb);

-- rows written so far, per table of the implementation's schema: the backend's counts not
-- yet flushed to the statistics (PostgreSQL 15 keeps earlier transactions' there too, so a
-- call's writes are the difference between after and before)
create function eqt.counts(impl text) returns table (t text, ins bigint, upd bigint, del bigint) language sql as $$
    select relname, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_xact_user_tables
     where schemaname = any (case impl when 'aurora' then array['public', 'aurora_private'] else array['eq'] end)
$$;
create function eqt.writes(impl text, before jsonb) returns jsonb language sql as $$
    select coalesce(jsonb_object_agg(a.t, jsonb_build_array(a.ins - coalesce((before -> a.t ->> 0)::bigint, 0),
                                                            a.upd - coalesce((before -> a.t ->> 1)::bigint, 0),
                                                            a.del - coalesce((before -> a.t ->> 2)::bigint, 0))), '{}')
      from eqt.counts(impl) a
     where (a.ins, a.upd, a.del) is distinct from (coalesce((before -> a.t ->> 0)::bigint, 0),
                                                 coalesce((before -> a.t ->> 1)::bigint, 0),
                                                 coalesce((before -> a.t ->> 2)::bigint, 0))
$$;

-- a value compared by presence: timestamps anywhere, and the keys that are generated
create function eqt.normal(v jsonb, drop_keys text[] default '{}') returns jsonb language sql as $$
    select regexp_replace((case when jsonb_typeof(v) = 'object' then v - drop_keys else v end)::text,
                          '"\d{4}-\d\d-\d\d[T ][^"]*"', '"<timestamp>"', 'g')::jsonb
$$;

-- one call as a member (or anon when who is null), in this transaction; `call` returns jsonb
create function eqt.step(n int, impl text, label text, who uuid, call text) returns void language plpgsql as $$
declare
    answer jsonb;
    st text; msg text; det text; hnt text;
    before jsonb := (select coalesce(jsonb_object_agg(t, jsonb_build_array(ins, upd, del)), '{}') from eqt.counts(impl));
begin
    begin
        perform set_config('request.jwt.claims',
                           json_build_object('sub', who, 'role', case when who is null then 'anon' else 'authenticated' end)::text, true);
        perform set_config('role', case when who is null then 'anon' else 'authenticated' end, true);
        execute call into answer;
        perform set_config('role', 'none', true);
    exception when others then
        get stacked diagnostics st = returned_sqlstate, msg = message_text, det = pg_exception_detail, hnt = pg_exception_hint;
        answer := jsonb_build_object('sqlstate', st, 'message', msg, 'detail', nullif(det, ''), 'hint', nullif(hnt, ''));
    end;
    insert into eqt.results values (n, impl, label, eqt.normal(answer, '{id}'), eqt.writes(impl, before));
end
$$;
SQL

I=11111111-1111-4111-8111-111111111111 C=22222222-2222-4222-8222-222222222222
M=33333333-3333-4333-8333-333333333333 S=44444444-4444-4444-8444-444444444444
B=55555555-5555-4555-8555-555555555555
S1=aaaaaaaa-0001-4000-8000-000000000001 S2=aaaaaaaa-0002-4000-8000-000000000002
S3=aaaaaaaa-0003-4000-8000-000000000003
q() { psql_admin -d "$DB" -At -c "$1"; }
WELCOME=$(q "select id from chat_messages where content like 'Bienvenue à toutes%'")
SALON2_MSG=$(q "select min(id) from chat_messages where salon_id = '$S2'")
lesson() { q "select id from lessons where course_id = 'cccccccc-000$1-4000-8000-00000000000$1' and lesson_number = $2"; }
C1L1=$(lesson 1 1) C1L3=$(lesson 1 3) C1L4=$(lesson 1 4) C1L5=$(lesson 1 5)
C2L1=$(lesson 2 1) C2L2=$(lesson 2 2) C2L4=$(lesson 2 4) C3L1=$(lesson 3 1)

steps="$(mktemp)"
trap 'rm -f "$steps"' EXIT
n=0
# pair label who aurora-call eq-call: each call is a statement returning one jsonb
pair() {
    n=$((n + 1))
    local label="$1" who="$2" a="$3" e="$4" w
    w=$([ "$who" = anon ] && echo null || echo "'$who'")
    printf "select eqt.step(%d, 'aurora', %s, %s, %s);\nselect eqt.step(%d, 'eq', %s, %s, %s);\n" \
        "$n" "\$l\$$label\$l\$" "$w" "\$c\$$a\$c\$" "$n" "\$l\$$label\$l\$" "$w" "\$c\$$e\$c\$" >> "$steps"
}
send() { # label who salon content [reply_to]
    local cols="salon_id, content" vals="'$3', '$4'"
    [ -n "${5:-}" ] && cols="$cols, reply_to_id" vals="$vals, $5"
    local ret="returning jsonb_build_object('salon_id', salon_id, 'user_id', user_id, 'content', content, 'reply_to_id', reply_to_id)"
    pair "$1" "$2" "insert into public.chat_messages ($cols) values ($vals) $ret" "insert into eq.chat_messages ($cols) values ($vals) $ret"
}
rpc() { # label who function args
    pair "$1" "$2" "select to_jsonb(r) from public.$3($4) r" "select to_jsonb(r) from eq.$3($4) r"
}

send "first message of her day: badge, points, activity" "$S" "$S1" "  Bonjour à toutes !  "
send "second message" "$S" "$S1" "Belle journée" "$WELCOME"
send "third message reaches the freemium limit" "$S" "$S1" "Encore moi"
send "fourth message: PT402" "$S" "$S1" "Une de trop"
send "premium member, no limit" "$I" "$S1" "Merci Sylvie"
send "a salon she is not in: RLS" "$B" "$S2" "Bonjour ?"
send "blank message: check" "$I" "$S1" "   "
rpc "toggle adds" "$C" toggle_message_reaction "$WELCOME, '👍'"
rpc "toggle removes" "$C" toggle_message_reaction "$WELCOME, '👍'"
rpc "toggle removes another's-counted emoji" "$S" toggle_message_reaction "$WELCOME, '❤️'"
rpc "a ZWJ family is one emoji" "$C" toggle_message_reaction "$WELCOME, '👩‍👩‍👧'"
rpc "a keycap is one emoji" "$C" toggle_message_reaction "$WELCOME, '1️⃣'"
rpc "not an emoji: 22023" "$C" toggle_message_reaction "$WELCOME, 'abc'"
rpc "two emojis: 22023" "$C" toggle_message_reaction "$WELCOME, '👍👍'"
rpc "a salon she is not in: PT404" "$B" toggle_message_reaction "$SALON2_MSG, '👍'"
rpc "no such message: PT404" "$C" toggle_message_reaction "999999999, '👍'"
rpc "anon: 42501" anon toggle_message_reaction "$WELCOME, '👍'"
rpc "join by code, typed loosely" "$B" join_salon_via_code "'mrch-4bwz 8e'"
rpc "join over the freemium limit: PT402" "$B" join_salon_via_code "'SUDC9XQ3HM'"
rpc "wrong code 1 (counted, null)" "$B" join_salon_via_code "'NOPE1'"
rpc "wrong code 2" "$B" join_salon_via_code "'NOPE2'"
rpc "wrong code 3" "$B" join_salon_via_code "'NOPE3'"
rpc "wrong code 4: PT429" "$B" join_salon_via_code "'NOPE4'"
rpc "empty code: 22023" "$S" join_salon_via_code "' - '"
rpc "already a member: no writes" "$S" join_salon_via_code "'LYQN7KP2TX'"
rpc "a member leaves" "$S" leave_salon "'$S3'"
rpc "leaves again: PT404" "$S" leave_salon "'$S3'"
rpc "the last owner leaves: archived" "$M" leave_salon "'$S3'"
rpc "an owner leaves: handed over" "$C" leave_salon "'$S2'"
rpc "null salon: 22023" "$C" leave_salon "null"
rpc "anon leaves: 42501" anon leave_salon "'$S1'"
rpc "first report on a lesson" "$S" update_lesson_progress "'$C1L1', 30, 600, 50"
rpc "completes the lesson: points, badge, activity" "$S" update_lesson_progress "'$C1L1', 60, 900, 95"
rpc "a retry cannot undo it; watch time capped" "$S" update_lesson_progress "'$C1L1', 10, 100000, 20"
rpc "premium lesson for a free member: PT402" "$S" update_lesson_progress "'$C1L3', 0, 0, 10"
rpc "trial member, released lesson" "$M" update_lesson_progress "'$C2L2', 100, 700, 100"
rpc "not released yet: 42501 with the date" "$M" update_lesson_progress "'$C2L4', 0, 0, 10"
rpc "draft course: PT404" "$I" update_lesson_progress "'$C3L1', 0, 0, 10"
rpc "completion 101: 22023" "$I" update_lesson_progress "'$C1L3', 0, 0, 101"
rpc "no such lesson: PT404" "$I" update_lesson_progress "gen_random_uuid(), 0, 0, 10"
rpc "anon: 42501" anon update_lesson_progress "'$C1L1', 0, 0, 10"
rpc "lesson 3 of 5" "$I" update_lesson_progress "'$C1L3', 500, 1400, 100"
rpc "lesson 4 of 5" "$I" update_lesson_progress "'$C1L4', 500, 1400, 100"
rpc "lesson 5 completes the course: points, badge, activity, email" "$I" update_lesson_progress "'$C1L5', 500, 1400, 100"
rpc "the course pays once" "$I" update_lesson_progress "'$C1L5', 600, 1400, 100"
rpc "first lesson of the second course" "$M" update_lesson_progress "'$C2L1', 100, 700, 95"

psql_admin -d "$DB" -f "$steps" >/dev/null

# every pair: same answer, same rows written per table
report="$(psql_admin -d "$DB" -At -F ' | ' -c "
    select a.step, a.label, a.answer, e.answer, a.writes, e.writes
      from eqt.results a join eqt.results e on e.step = a.step and e.impl = 'eq'
     where a.impl = 'aurora' and (a.answer is distinct from e.answer or a.writes <> e.writes)
     order by a.step")"
if [ -n "$report" ]; then
    echo "$report" | sed 's/^/  differs: /' >&2
    fail "aurora and the equal-work baseline differ (step | label | aurora answer | eq answer | aurora writes | eq writes)"
fi
total=$(q "select count(*) from eqt.results where impl = 'aurora'")
[ "$total" = "$n" ] || fail "$total of $n steps recorded"
errors=$(q "select count(*) from eqt.results where impl = 'aurora' and answer ? 'sqlstate'")
writing=$(q "select count(*) from eqt.results where impl = 'aurora' and writes <> '{}'")
[ "$errors" -ge 15 ] && [ "$writing" -ge 20 ] || fail "the scenario should hold failures and writes: $errors errors, $writing writing steps"
ok "$n calls give the same answers and errors ($errors of them errors) and write the same rows per table ($writing writing)"

# the answers are not vacuous: a limit, a badge and a course completion were reached
q "select answer ->> 'sqlstate' from eqt.results where impl = 'eq' and label like 'fourth message%'" | grep -qx PT402 \
    || fail "the quota was not reached"
[ "$(q "select writes -> 'email_outbox' ->> 0 from eqt.results where impl = 'eq' and label like 'lesson 5%'")" = 1 ] \
    || fail "the course completion did not queue its email"
ok "the scenario reaches the message quota, the join limit, the rate limit and a course completion"

# at the end, every table the paths write holds the same rows
for t in member_accounts salon_members salon_counter_shards salon_join_attempts chat_messages message_reactions \
         user_stats user_progress_history user_achievements user_activities user_lesson_progress user_courses \
         email_outbox salons; do
    d=$(q "with a as (select eqt.normal(to_jsonb(x), '{id,delivery_key}') r from public.$t x),
                e as (select eqt.normal(to_jsonb(x), '{id,delivery_key}') r from eq.$t x)
           select (select count(*) from (select r from a except all select r from e) d)
                + (select count(*) from (select r from e except all select r from a) d)")
    [ "$d" = 0 ] || fail "$t: $d rows differ between aurora and the equal-work baseline"
done
ok "after the scenario the 14 tables the paths write hold the same rows"

[ -n "${KEEP_DB:-}" ] || psql_admin -d postgres -c "drop database ${DB} with (force)"
echo "equal-work: ${passed} passed, 0 failed"
