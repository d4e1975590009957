#!/usr/bin/env bash
# pg_dump of a database with data -> restore into a fresh one -> identical row counts in
# every aurora table (and auth.users, storage), identical exact counters.
source "$(dirname "$0")/../scripts/lib.sh"
src=aurora_dump_src dst=aurora_dump_dst work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PGHOST="$AURORA_PGHOST" PGPORT="$AURORA_PGPORT" PGUSER=postgres

fresh_database "$src"
psql_admin -d "$src" -f "$AURORA_ROOT/sql/demo_seed.sql"
# some folded counters and some still in shards, and a sequence past its rows
psql_admin -d "$src" -c "select fold_salon_counters()" \
    -c "insert into chat_messages (salon_id, user_id, content)
        select 'aaaaaaaa-0001-4000-8000-000000000001', '44444444-4444-4444-8444-444444444444', 'encore ' || g
          from generate_series(1, 25) g" \
    -c "delete from chat_messages where content = 'encore 25'"

bash "$AURORA_ROOT/scripts/dump.sh" "$src" "$work"
psql_admin -d postgres -c "drop database if exists ${dst} with (force)" -c "create database ${dst}"
bash "$AURORA_ROOT/scripts/restore.sh" "$work" "$dst" --bare

# every table of the extension, plus the platform tables aurora depends on
count_query="
select string_agg(format('%s=%s', t, (xpath('/row/c/text()',
           query_to_xml(format('select count(*) as c from %s', t), false, true, '')))[1]::text), ' ' order by t)
  from (select c.oid::regclass::text as t
          from pg_class c
          join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
          join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
         where c.relkind = 'r'
        union all select 'auth.users' union all select 'storage.buckets' union all select 'storage.objects') x"
exact_query="select string_agg(format('%s:%s/%s', name, member_count, message_count), ' ' order by name) from salons_with_details"
seq_query="select last_value from chat_messages_id_seq"

a="$(psql_admin -d "$src" -At -c "$count_query")"; b="$(psql_admin -d "$dst" -At -c "$count_query")"
echo "source:   $a"; echo "restored: $b"
[ "$a" = "$b" ] || die "row counts differ after restore"
[ "$(echo "$a" | grep -o '=' | wc -l)" -ge 18 ] || die "expected at least 18 tables, got: $a"
echo "$a" | grep -q 'chat_messages=31' || die "the source should hold 31 messages: $a"
a="$(psql_admin -d "$src" -At -c "$exact_query")"; b="$(psql_admin -d "$dst" -At -c "$exact_query")"
[ "$a" = "$b" ] || die "counters differ after restore: $a vs $b"
a="$(psql_admin -d "$src" -At -c "$seq_query")"; b="$(psql_admin -d "$dst" -At -c "$seq_query")"
[ "$a" = "$b" ] || die "sequence differs after restore: $a vs $b"
# the restored database works: a new user still gets a profile, a new message is counted
psql_admin -d "$dst" -c "insert into auth.users (id, email) values (gen_random_uuid(), 'apres@example.fr')"
[ "$(psql_admin -d "$dst" -At -c "select count(*) from member_accounts where email = 'apres@example.fr'")" = 1 ] \
    || die "triggers do not work after restore"
psql_admin -d postgres -c "drop database ${src} with (force)" -c "drop database ${dst} with (force)"
echo "dump/restore: 1 passed, 0 failed"
