#!/usr/bin/env bash
# types/database.types.ts: the TypeScript types of aurora's API, made by Supabase's own
# generator (@supabase/postgres-meta, pinned in types/check/package.json) from a fresh
# install (the Supabase environment and the extension, no data). Run it after a change to
# the extension's SQL and commit the result; CI (tests/types.sh) fails while it differs.
source "$(dirname "$0")/lib.sh"
ensure_prerequisites
ensure_typegen
install_extension
ensure_cluster
fresh_database aurora_types >/dev/null
generate_types aurora_types >"$AURORA_ROOT/types/database.types.ts"
psql_admin -d postgres -c "drop database aurora_types with (force)"
echo "wrote types/database.types.ts ($(wc -l <"$AURORA_ROOT/types/database.types.ts") lines)"
