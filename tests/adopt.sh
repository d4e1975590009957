#!/usr/bin/env bash
# Adoption test: a legacy Aurora50 database (tests/legacy: the seed's schema, functions,
# triggers, policies, storage policies and realtime, ~6,000 rows with the old schema's
# leniencies planted) is adopted by scripts/adopt.sh. Checks: the dry run changes nothing;
# the adoption carries or reports every row (per table, source = carried + reported, and
# each carried row is in aurora's table under its own key, each reported one is not); the
# planted leniencies come out as the documented rules say; counters, user_courses and stats
# follow the data; nothing was queued or awarded; the old objects are intact and closed;
# a second run changes nothing; the contract suite passes on the adopted database.
# Prints "adoption: N passed".
source "$(dirname "$0")/../scripts/lib.sh"
DB=aurora_adopt
WORK="$(mktemp -d /tmp/aurora-adopt.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
sql() { psql_admin -At -d "$DB" -c "$1"; }
# a check written as one SQL boolean
check() { local got; got=$(sql "select ($2)::text"); [ "$got" = true ] || fail "$1 (got: ${got})"; ok "$1"; }
dump() { runuser -u postgres -- pg_dump -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$DB" | grep -v -e '^--' -e '^\\restrict ' -e '^\\unrestrict ' | sha256sum; }
adopt() { PGHOST="$AURORA_PGHOST" PGPORT="$AURORA_PGPORT" bash "$AURORA_ROOT/scripts/adopt.sh" "$@"; }
TABLES="profiles salons salon_members chat_messages message_reactions courses lessons enrollments
        user_lesson_progress user_courses user_stats user_achievements user_activities salon_invitations"

psql_admin -d postgres -c "drop database if exists ${DB} with (force)" -c "create database ${DB}"
psql_admin -d "$DB" -f "$AURORA_ROOT/sql/supabase_env.sql" >/dev/null 2>&1
psql_admin -d "$DB" -f "$AURORA_ROOT/tests/legacy/aurora50_schema.sql" >/dev/null
psql_admin -d "$DB" -f "$AURORA_ROOT/tests/legacy/generate.sql" >/dev/null
for t in $TABLES; do echo "$t $(sql "select count(*) from public.${t}")"; done >"$WORK/source"
total=$(awk '{s += $2} END {print s}' "$WORK/source")
[ "$total" -gt 5000 ] || fail "the legacy database is too small: ${total} rows"
ok "legacy Aurora50 database generated: ${total} rows in $(wc -l <"$WORK/source") tables"

before=$(dump)
adopt "$DB" --dry-run >"$WORK/dry.out" 2>&1 || { cat "$WORK/dry.out"; fail "the dry run failed"; }
grep -q "dry run: rolled back, nothing changed" "$WORK/dry.out" || fail "the dry run did not say it rolled back"
grep -q "Adoption report" "$WORK/dry.out" || fail "the dry run printed no report"
[ "$(dump)" = "$before" ] || fail "the dry run changed the database"
ok "--dry-run prints the report and changes nothing (whole-database dump identical)"

adopt "$DB" >"$WORK/adopt.out" 2>&1 || { cat "$WORK/adopt.out"; fail "the adoption failed"; }
cat "$WORK/adopt.out"
grep -q '^adopted$' "$WORK/adopt.out" || fail "the adoption did not commit"
check "aurora is installed" "exists (select from pg_extension where extname = 'aurora')"

# Every legacy table: intact in aurora_legacy, and source = carried + reported.
while read -r t n; do
    [ "$(sql "select count(*) from aurora_legacy.${t}")" = "$n" ] || fail "aurora_legacy.${t} is not intact"
    [ "$(sql "select source_rows || ' ' || (carried + reported = source_rows)
                from aurora_legacy.adoption_summary where table_name = '${t}'")" = "$n true" ] \
        || fail "${t}: source ${n} is not carried + reported"
done <"$WORK/source"
ok "every legacy table is intact in aurora_legacy, and for each, source = carried + reported"

# Each carried row is in aurora's table under its own key; each reported one is not.
cond_of() {   # the same row in aurora's table (a) and the legacy one (l)
    case "$1" in
        salon_members) echo "a.salon_id = l.salon_id and a.user_id = l.user_id" ;;
        user_stats) echo "a.user_id = l.user_id" ;;
        user_courses) echo "a.user_id = l.user_id and a.course_id = l.course_id" ;;
        *) echo "a.id = l.id" ;;
    esac
}
reported_key_of() {   # as adoption_rejects.legacy_key names it
    case "$1" in
        salon_members) echo "l.salon_id::text || '/' || l.user_id::text" ;;
        user_stats) echo "l.user_id::text" ;;
        *) echo "l.id::text" ;;
    esac
}
for t in $TABLES; do
    got=$(sql "select count(*) filter (where exists (select from public.${t} a where $(cond_of "$t"))) || ' '
                  || count(*) filter (where $(reported_key_of "$t") in
                                      (select legacy_key from aurora_legacy.adoption_rejects where table_name = '${t}'))
                from aurora_legacy.${t} l")
    want=$(sql "select carried || ' ' || reported from aurora_legacy.adoption_summary where table_name = '${t}'")
    [ "$got" = "$want" ] || fail "${t}: legacy rows found in aurora / listed as reported = ${got}, summary says ${want}"
done
check "no reported row is in aurora's tables" "not exists (
    select from aurora_legacy.adoption_rejects r where
         (r.table_name = 'chat_messages' and exists (select from public.chat_messages c where c.id::text = r.legacy_key))
      or (r.table_name = 'message_reactions' and exists (select from public.message_reactions c where c.id::text = r.legacy_key))
      or (r.table_name = 'user_achievements' and exists (select from public.user_achievements c where c.id::text = r.legacy_key))
      or (r.table_name = 'user_activities' and exists (select from public.user_activities c where c.id::text = r.legacy_key))
      or (r.table_name = 'lessons' and exists (select from public.lessons c where c.id::text = r.legacy_key))
      or (r.table_name = 'user_stats' and exists (select from public.user_stats c where c.user_id::text = r.legacy_key)))"
ok "each carried row is in aurora's table under its legacy key, each reported row is listed"

# The leniencies planted by tests/legacy/generate.sql, as the rules in sql/adopt.sql say.
uid() { echo "md5('aurora50-legacy:$1')::uuid"; }
check "a lowercase share code is upper-cased (old links keep working)" \
      "(select share_code from salon_share_codes where salon_id = $(uid salon1)) = 'LECT2024'"
check "a code that upper-cases onto another salon's exact code, or is too short, gets a new one" \
      "(select share_code from salon_share_codes where salon_id = $(uid salon7)) = 'CODE0007'
       and (select share_code from salon_share_codes where salon_id = $(uid salon6)) not in ('CODE0007', 'code0007')
       and (select char_length(share_code) >= 6 from salon_share_codes where salon_id = $(uid salon2))"
check "a blank salon name becomes 'Salon sans nom', a bad colour the default" \
      "(select name from salons where id = $(uid salon3)) = 'Salon sans nom'
       and (select color_theme = '#8B5CF6' and is_active from salons where id = $(uid salon4))"
check "role admin becomes moderator; the salon's owner is owner; unknown roles are member" \
      "not exists (select from aurora_legacy.salon_members l join salon_members m using (salon_id, user_id)
                    where (lower(l.role) = 'admin' and m.role <> 'moderator' and m.user_id <> (select owner_id from salons where id = m.salon_id))
                       or (l.role = 'moderateur' and m.role = 'moderator'))
       and (select count(*) from salons s join salon_members m on m.salon_id = s.id and m.user_id = s.owner_id and m.role = 'owner')
           = (select count(*) from salons where owner_id is not null)
       and (select role from salon_members where salon_id = $(uid salon9) and user_id = (select owner_id from salons where id = $(uid salon9))) = 'owner'"
check "messages from before salons live in the archived salon 'Archives Aurora50', their authors its members" \
      "(select count(*) from chat_messages c join salons s on s.id = c.salon_id where s.name = 'Archives Aurora50' and not s.is_active)
         = (select count(*) from aurora_legacy.chat_messages where salon_id is null)
       and not exists (select from chat_messages c join salons s on s.id = c.salon_id and s.name = 'Archives Aurora50'
                        where not exists (select from salon_members m where m.salon_id = s.id and m.user_id = c.user_id))"
check "is_deleted without deleted_at: deleted, stamped; deleted_at without the flag: deleted" \
      "not exists (select from chat_messages where is_deleted <> (deleted_at is not null))
       and (select count(*) from chat_messages c join aurora_legacy.chat_messages l using (id)
             where l.is_deleted and l.deleted_at is null and c.deleted_at = c.created_at) > 0
       and (select bool_and(c.is_deleted) from chat_messages c join aurora_legacy.chat_messages l using (id)
             where l.deleted_at is not null and not coalesce(l.is_deleted, false))"
check "blank and over-long messages are reported, replies across salons kept as plain messages" \
      "(select count(*) from aurora_legacy.adoption_rejects where table_name = 'chat_messages' and reason = 'empty message') = 3
       and (select count(*) from aurora_legacy.adoption_rejects where table_name = 'chat_messages' and reason like 'longer than%') = 2
       and (select count(*) from chat_messages where id in (2000, 2100, 2200, 2300, 2400) and reply_to_id is null) = 5"
check "slugs: underscore → dash, upper → lower, a taken slug gets -2" \
      "(select slug from courses where id = $(uid course2)) = 'bien-etre'
       and (select slug from courses where id = $(uid course5)) = 'bien-etre-2'
       and (select slug from courses where id = $(uid course3)) = 'nutrition-sante'"
check "lessons without a number or with a taken one are numbered after the course's last" \
      "(select lesson_number from lessons where id = $(uid lesson1-3)) = 8
       and (select array_agg(lesson_number order by created_at, id) from lessons where id in ($(uid lesson2-5), $(uid lesson2-6))) = '{8,9}'
       and (select lesson_number from lessons where id = $(uid lesson3-4)) = 8
       and (select count(*) from aurora_legacy.adoption_rejects where table_name = 'lessons' and reason = 'no course') = 1"
check "a completed lesson without completed_at is stamped; statuses are aurora's" \
      "not exists (select from user_lesson_progress where (status = 'completed') <> (completed_at is not null))
       and (select count(*) from user_lesson_progress p join aurora_legacy.user_lesson_progress l using (id)
             where l.status = 'completed' and l.completed_at is null and p.completed_at = l.updated_at) = 10"
check "a badge awarded twice is one (the earliest), the other reported as merged" \
      "(select count(*) from aurora_legacy.adoption_rejects where table_name = 'user_achievements' and reason like 'same badge%') = 10
       and not exists (select from user_achievements group by user_id, badge_id having count(*) > 1)
       and exists (select from user_achievements where badge_id = 'first_course')"
check "an activity without a type is 'activity'; 'Lesson Completed' is lesson_completed" \
      "(select count(*) from user_activities a join aurora_legacy.user_activities l using (id) where l.type is null and a.type = 'activity')
         = (select count(*) from aurora_legacy.user_activities l where l.type is null and exists (select from profiles p where p.id = l.user_id))
       and (select count(*) from user_activities a join aurora_legacy.user_activities l using (id) where l.type = 'Lesson Completed' and a.type = 'lesson_completed') > 0"
check "a member without a profile gets one, every member a stats row; orphans are reported" \
      "(select count(*) from profiles) = (select count(*) from auth.users)
       and (select count(*) from user_stats) = (select count(*) from profiles)
       and (select count(*) from aurora_legacy.adoption_rejects where reason = 'member has no account' and table_name in ('user_stats', 'user_achievements', 'user_activities')) = 15"
check "a Stripe customer id on two profiles stays on one; subscription types are aurora's three" \
      "(select count(*) from member_accounts where stripe_customer_id = 'cus_Ldupliquee') = 1
       and (select count(*) from member_accounts where subscription_type = 'premium')
           = (select count(*) from aurora_legacy.profiles where lower(subscription_type) like 'premium%')"
check "invitations keep working by their token (SHA-256 stored), bad addresses dropped" \
      "(select count(*) from salon_invitation_tokens t join aurora_legacy.salon_invitations l on l.id = t.invitation_id
         where t.token_hash = sha256(convert_to(l.token, 'UTF8'))) = 50
       and not exists (select from salon_invitations where invitee_email = 'pas-un-email')
       and not exists (select from salon_invitations where expires_at <= created_at)"

# Derived state follows the data, and nothing was sent or awarded.
check "salon counters are the members and undeleted messages" \
      "not exists (select from salons_with_details s
                    where s.member_count <> (select count(*) from salon_members m where m.salon_id = s.id)
                       or s.message_count <> (select count(*) from chat_messages c where c.salon_id = s.id and not c.is_deleted))"
check "salons_created / salons_joined, stats and levels follow the data; points are carried" \
      "not exists (select from member_accounts p where salons_created <> (select count(*) from salons s where s.owner_id = p.id)
                                          or salons_joined <> (select count(*) from salon_members m where m.user_id = p.id and m.role <> 'owner'))
       and not exists (select from user_stats s where level <> 1 + points / 100
                          or total_lessons_completed <> (select count(*) from user_lesson_progress x where x.user_id = s.user_id and x.status = 'completed'))
       and not exists (select from user_stats s join aurora_legacy.user_stats l using (user_id) where s.points <> coalesce(l.points, 0))"
check "user_courses is rebuilt: one row per carried enrolment, progress from the lessons" \
      "(select count(*) from user_courses) = (select count(*) from enrollments)
       and not exists (select from user_courses u where u.lessons_completed <> (
             select count(*) from user_lesson_progress p join lessons l on l.id = p.lesson_id
              where p.user_id = u.user_id and l.course_id = u.course_id and p.status = 'completed'))"
check "nothing sent or awarded: no email, no contact sync, no history, every member offline" \
      "not exists (select from email_outbox) and not exists (select from brevo_contact_sync)
       and not exists (select from user_progress_history)
       and not exists (select from profiles where presence_status <> 'offline')"
check "sequences are past the carried ids" \
      "(select last_value from chat_messages_id_seq) >= (select max(id) from chat_messages)
       and (select last_value from message_reactions_id_seq) >= (select max(id) from message_reactions)"

# The old objects: intact, out of reach, and no longer in the way.
check "the app's sign-up trigger on auth.users is disabled; a new confirmed sign-up gets an aurora profile and welcome email" \
      "(select tgenabled from pg_trigger where tgname = 'on_auth_user_created') = 'D'"
psql_admin -d "$DB" -q -c "insert into auth.users (id, aud, role, email, email_confirmed_at) values ('99999999-9999-4999-8999-999999999999', 'authenticated', 'authenticated', 'nouvelle@exemple.fr', now())"
check "…and nothing in the legacy tables" \
      "exists (select from profiles where id = '99999999-9999-4999-8999-999999999999')
       and exists (select from email_outbox where template = 'welcome' and user_id = '99999999-9999-4999-8999-999999999999')
       and not exists (select from aurora_legacy.profiles where id = '99999999-9999-4999-8999-999999999999')"
check "storage.objects keeps aurora's policies only; the app's are recorded with their DDL" \
      "not exists (select from pg_policies where schemaname = 'storage' and policyname not like 'aurora\_%')
       and (select count(*) from aurora_legacy.adoption_objects where kind = 'policy' and ddl like 'create policy %') = 5"
check "the realtime publication holds aurora's tables, none of the legacy ones" \
      "exists (select from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'chat_messages')
       and not exists (select from pg_publication_tables where schemaname = 'aurora_legacy')"
for role in anon authenticated; do
    out=$(psql -X -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$DB" -v VERBOSITY=verbose \
          -c "set role ${role}; select count(*) from aurora_legacy.profiles" 2>&1) && fail "${role} read aurora_legacy.profiles"
    grep -q "42501" <<<"$out" || fail "${role} reading aurora_legacy: ${out}"
done
ok "anon and authenticated cannot reach aurora_legacy (42501)"

after=$(dump)
adopt "$DB" >"$WORK/again.out" 2>&1 || { cat "$WORK/again.out"; fail "a second run failed"; }
grep -q "nothing to do" "$WORK/again.out" || fail "a second run did not say there was nothing to do"
[ "$(dump)" = "$after" ] || fail "a second run changed the database"
ok "a second run changes nothing"

# Nothing to adopt: refused with a clear error, and nothing written.
EMPTY=aurora_adopt_empty
psql_admin -d postgres -c "drop database if exists ${EMPTY} with (force)" -c "create database ${EMPTY}" >/dev/null
psql_admin -d "$EMPTY" -f "$AURORA_ROOT/sql/supabase_env.sql" >/dev/null 2>&1
out=$(adopt "$EMPTY" 2>&1) && fail "adopting a database without Aurora50's schema succeeded"
grep -q "no Aurora50 schema to adopt" <<<"$out" || fail "no clear error without Aurora50's schema: ${out}"
[ "$(psql_admin -At -d "$EMPTY" -c "select to_regnamespace('aurora_legacy') is null and not exists (select from pg_extension where extname = 'aurora')")" = t ] \
    || fail "a refused adoption wrote something"
psql_admin -d "$EMPTY" -c "create extension aurora" >/dev/null
out=$(adopt "$EMPTY" 2>&1) && fail "adopting a database where aurora already runs (no adoption) succeeded"
grep -q "aurora is already installed in this database" <<<"$out" || fail "no clear error with aurora installed: ${out}"
psql_admin -d postgres -c "drop database ${EMPTY} with (force)" >/dev/null
ok "nothing to adopt (no Aurora50 schema; aurora already installed): a clear error, nothing written"

# Four adoptions of one database at once: one adopts, the others wait for it and leave.
RACE=aurora_adopt_race
psql_admin -d postgres -c "drop database if exists ${RACE} with (force)" -c "create database ${RACE}" >/dev/null
psql_admin -d "$RACE" -f "$AURORA_ROOT/sql/supabase_env.sql" >/dev/null 2>&1
psql_admin -d "$RACE" -f "$AURORA_ROOT/tests/legacy/aurora50_schema.sql" >/dev/null
psql_admin -d "$RACE" -f "$AURORA_ROOT/tests/legacy/generate.sql" >/dev/null
pids=()
for i in 1 2 3 4; do
    adopt "$RACE" >"$WORK/race.$i" 2>&1 &
    pids+=($!)
done
for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}" || { cat "$WORK/race.$i"; fail "adoption run $i of 4 in parallel failed"; }
done
[ "$(cat "$WORK"/race.* | grep -c '^adopted$')" = 1 ] || fail "not exactly one of 4 parallel adoptions adopted"
[ "$(cat "$WORK"/race.* | grep -c "nothing to do")" = 3 ] || fail "the 3 others did not leave the work done"
[ "$(psql_admin -At -d "$RACE" -c "select sum(carried) from aurora_legacy.adoption_summary where table_name = 'chat_messages'")" \
  = "$(psql_admin -At -d "$RACE" -c "select count(*) from public.chat_messages c where exists (select from aurora_legacy.chat_messages l where l.id = c.id)")" ] \
    || fail "the parallel adoptions carried messages more or less than once"
psql_admin -d postgres -c "drop database ${RACE} with (force)" >/dev/null
ok "4 adoptions of one database at once: one adopts, 3 find it done, every exit 0"

psql_admin -d "$DB" -c "create extension if not exists pgtap" -f "$AURORA_ROOT/tests/sql/helpers.sql" >/dev/null
pg_prove -h "$AURORA_PGHOST" -p "$AURORA_PGPORT" -U postgres -d "$DB" --failures \
    "$AURORA_ROOT"/tests/sql/[0-9]*.sql >"$WORK/pgtap.log" 2>&1 \
    || { tail -60 "$WORK/pgtap.log"; fail "the contract suite fails on the adopted database"; }
ok "the contract suite passes on the adopted database ($(grep -oE 'Tests=[0-9]+' "$WORK/pgtap.log" | cut -d= -f2) tests)"
echo "adoption: ${passed} passed"
