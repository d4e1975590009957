#!/usr/bin/env bash
# Back up an aurora database the way Supabase's CLI does: the schema without the
# platform's schemas (auth, storage: they exist on the target already), and all the data
# (auth.users included, aurora's tables through pg_extension_config_dump).
# Usage: scripts/dump.sh DBNAME OUTDIR      (connection: PGHOST/PGPORT/PGUSER, default the dev cluster)
set -euo pipefail
db="$1"; out="$2"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5433}" PGUSER="${PGUSER:-postgres}"
mkdir -p "$out"
pg_dump --schema-only --no-publications --exclude-schema=auth --exclude-schema=storage \
    -d "$db" -f "$out/schema.sql"
pg_dump --data-only -d "$db" -f "$out/data.sql"
echo "dumped $db to $out (schema.sql, data.sql)"
