#!/usr/bin/env bash
# Restore a dump made by scripts/dump.sh into a new, empty database.
# On bare PostgreSQL the Supabase environment is created first (on Supabase it exists).
# Data goes in with session_replication_role = replica, as Supabase's restore guide does,
# so triggers do not replay what the data already holds (profiles, counters).
# Usage: scripts/restore.sh DUMPDIR DBNAME [--bare]
set -euo pipefail
dir="$1"; db="$2"; bare="${3:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5433}" PGUSER="${PGUSER:-postgres}"
psql=(psql -X -q -v ON_ERROR_STOP=1 -d "$db")
if [ "$bare" = "--bare" ]; then
    "${psql[@]}" -f "$root/sql/supabase_env.sql" 2>&1 | grep -v -e wal_level -e '^HINT' || true
fi
"${psql[@]}" -f "$dir/schema.sql"
# CREATE EXTENSION seeded its storage buckets and default settings; the dump carries both.
# (Storage forbids deleting its rows from SQL unless the session says it knows there are no
# files behind them: these buckets were created a moment ago and hold none.)
"${psql[@]}" -c "set storage.allow_delete_query = 'true'" \
    -c "delete from storage.buckets where id in ('avatars', 'salon-avatars', 'covers')" -c "delete from aurora_settings"
PGOPTIONS="-c session_replication_role=replica" "${psql[@]}" -1 -f "$dir/data.sql" >/dev/null
echo "restored $dir into $db"
