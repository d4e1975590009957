#!/usr/bin/env bash
# Adopt a database that holds Aurora50's own schema and rows (a restored Supabase Cloud
# project): move the old objects aside to schema aurora_legacy, install aurora, carry every
# row across in one transaction, print the report (docs/moving-in.md).
#
#   scripts/adopt.sh DBNAME [--dry-run]
#
# --dry-run does it all and rolls back: it prints the report and changes nothing. Running
# it again on an adopted database (or while another run adopts it) changes nothing and
# prints the stored report. The
# connection is libpq's: PGHOST, PGPORT, PGUSER (a superuser, as for CREATE EXTENSION)…;
# without PGHOST/PGPORT it is the dev cluster of scripts/up.sh.
set -euo pipefail
AURORA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: scripts/adopt.sh DBNAME [--dry-run]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
DB="$1"; DRY=false
if [ $# -eq 2 ]; then [ "$2" = "--dry-run" ] || usage; DRY=true; fi
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-${AURORA_PGPORT:-5433}}" PGUSER="${PGUSER:-postgres}"
psql -X -At -d "$DB" -c "select 1" >/dev/null || { echo "error: cannot connect to database ${DB}" >&2; exit 1; }
# sql/adopt.sql decides everything else under its lock: nothing to adopt (an error), already
# adopted (the stored report again), or the adoption.
psql -X -q -v ON_ERROR_STOP=1 -v dry_run="$DRY" -d "$DB" -f "$AURORA_ROOT/sql/adopt.sql"
