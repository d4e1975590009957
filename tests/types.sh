#!/usr/bin/env bash
# The supabase-js contract, checked the way a supabase-js developer meets it:
#   - types/database.types.ts is what Supabase's generator makes of a fresh install today;
#   - no RPC whose answer has a known shape comes out as `Json`;
#   - types/check/app.ts (the app's calls, and mistakes the types must catch) compiles;
#   - docs/api.md documents every function a client role may call, and only those, and a
#     test raises each error it documents;
#   - no argument is named like a PostgREST query parameter (a GET call would misread it).
# Prints "types: N passed".
source "$(dirname "$0")/../scripts/lib.sh"
WORK="$(mktemp -d /tmp/aurora-types.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
DB=aurora_types
ensure_typegen
ensure_cluster
fresh_database "$DB" >/dev/null

generate_types "$DB" >"$WORK/database.types.ts"
[ -s "$WORK/database.types.ts" ] || fail "the generator wrote nothing"
diff -u "$AURORA_ROOT/types/database.types.ts" "$WORK/database.types.ts" >"$WORK/types.diff" \
    || { head -60 "$WORK/types.diff" >&2; fail "types/database.types.ts differs from what the generator makes now: run scripts/types.sh and commit it"; }
ok "types/database.types.ts is the generator's output for this tree ($(wc -l <"$WORK/database.types.ts") lines)"

# each function's entry, from its name to the next one's: which answer Json?
read -r rpcs json_rpcs < <(python3 - "$WORK/database.types.ts" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
functions = text[text.index('    Functions: {'):text.index('    Enums: {')]
starts = [m for m in re.finditer(r'^      (\w+): ', functions, re.M)]
entries = {m.group(1): functions[m.start():(starts[i + 1].start() if i + 1 < len(starts) else len(functions))]
           for i, m in enumerate(starts)}
# (a row of her account carries two jsonb columns she or aurora stored as documents: her
# free-form onboarding answers, and the conversion triggers' log)
stored = re.compile(r'^\s+(onboarding_answers|conversion_triggers): .*$', re.M)
json = [name for name, entry in entries.items() if re.search(r'Returns:.*\bJson\b', stored.sub('', entry), re.S)]
print(len(entries), ' '.join(json))
PY
)
[ -z "$json_rpcs" ] || fail "RPCs typed as Json: $json_rpcs"
ok "no RPC answers Json, nor any column of its answer (${rpcs} functions)"

# the closed sets clients switch over come out as unions (enums), in tables and answers
python3 - "$WORK/database.types.ts" >/dev/null <<'PY' || fail "a closed set is typed as string"
import re, sys
text = open(sys.argv[1]).read()
want = {  # (table, view or composite type, field): its enum
    ("profiles", "presence_status"): "presence_status", ("profiles", "status"): "presence_status",
    ("salon_members", "role"): "salon_role", ("member_accounts", "subscription_type"): "subscription_type",
    ("user_lesson_progress", "status"): "progress_status", ("user_courses", "status"): "progress_status",
    ("user_achievements", "rarity"): "badge_rarity", ("my_account", "subscription_type"): "subscription_type",
    ("presence_state", "presence_status"): "presence_status", ("salon_answer", "role"): "salon_role",
    ("salon_role_answer", "role"): "salon_role", ("trial_answer", "subscription_type"): "subscription_type",
    ("course_lesson", "status"): "progress_status", ("lesson_progress_answer", "status"): "progress_status",
    ("profile_page", "presence_status"): "presence_status",
}
bad = []
for (rel, field), enum in want.items():
    m = re.search(r'^      %s: \{\n(.*?)^      \}' % rel, text, re.M | re.S)
    row = m and (re.search(r'Row: \{\n(.*?)\n        \}', m.group(1), re.S) or m)
    if not row or not re.search(r'^\s+%s:\s*(\|\s*)?Database\["public"\]\["Enums"\]\["%s"\]' % (field, enum), row.group(1), re.M):
        bad.append(f"{rel}.{field}")
if bad:
    print("not unions:", *bad, file=sys.stderr)
    sys.exit(1)
print(len(want))
PY
ok "closed sets are unions: presence, salon role, subscription type, progress status, badge rarity (in tables, views and answers)"

(cd "$AURORA_ROOT/types/check" && ./node_modules/.bin/tsc -p .) || fail "types/check/app.ts does not compile against the types"
ok "types/check/app.ts compiles (tsc $("$AURORA_ROOT/types/check/node_modules/.bin/tsc" -v | cut -d' ' -f2)), its expected mistakes refused"

# Functions a client role may call: documented, and the documentation names no other.
psql_admin -At -d "$DB" -c "
    select p.proname from pg_proc p
     where p.pronamespace = 'public'::regnamespace and p.prorettype <> 'trigger'::regtype
       and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute')
            or has_function_privilege('service_role', p.oid, 'execute'))
       and exists (select from pg_depend d join pg_extension e on e.oid = d.refobjid and e.extname = 'aurora'
                    where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
     order by 1" | sort -u >"$WORK/exposed"
grep -oE "rpc\('[a-z_]+'" "$AURORA_ROOT/docs/api.md" | sed "s/rpc('//; s/'//" | sort -u >"$WORK/documented"
undocumented=$(comm -23 "$WORK/exposed" "$WORK/documented" | tr '\n' ' ')
phantom=$(comm -13 "$WORK/exposed" "$WORK/documented" | tr '\n' ' ')
[ -z "$undocumented" ] || fail "callable but not in docs/api.md: $undocumented"
[ -z "$phantom" ] || fail "in docs/api.md but not callable: $phantom"
ok "docs/api.md documents the $(wc -l <"$WORK/exposed") callable functions and no other"

# Every error docs/api.md lists for a function is raised by a test: some statement of the
# pgTAP suite or block of the Rust tests names both the function and the SQLSTATE.
uncovered=$(python3 - "$AURORA_ROOT" <<'PY'
import glob, re, sys
root = sys.argv[1]
pairs = []
for line in open(root + '/docs/api.md').read().splitlines():
    m = re.match(r"\| `rpc\('([a-z_]+)'", line)
    cols = [c.strip() for c in line.strip().strip('|').split(' | ')]
    if m and len(cols) >= 3:
        pairs += [(m.group(1), code) for code in sorted(set(re.findall(r'`(\d{5}|PT\d{3}|P\d{4})`', cols[2])))]
chunks = []
for f in glob.glob(root + '/tests/sql/*.sql'):
    chunks += re.split(r';\s*\n', open(f).read())
for f in glob.glob(root + '/tests/tests/*.rs'):
    chunks += re.split(r'\n\s*\n', open(f).read())
print(len(pairs), ' '.join(f'{fn}:{code}' for fn, code in pairs
                           if not any(re.search(r'\b%s\b' % fn, c) and code in c for c in chunks)))
PY
)
read -r documented_errors uncovered <<<"$uncovered"
[ -z "$uncovered" ] || fail "documented errors no test raises: $uncovered"
[ "$documented_errors" -gt 30 ] || fail "only $documented_errors documented errors found in docs/api.md: is its table format still read?"
ok "each of the ${documented_errors} errors docs/api.md documents per function is raised by a test"

reserved=$(psql_admin -At -d "$DB" -c "
    select p.proname || '(' || a.name || ')' from pg_proc p, unnest(p.proargnames) with ordinality a(name, n)
     where p.pronamespace = 'public'::regnamespace
       and (p.proargmodes is null or p.proargmodes[a.n] in ('i', 'b', 'v'))
       and a.name in ('select', 'order', 'limit', 'offset', 'on_conflict', 'columns', 'and', 'or', 'not', 'count')" | tr '\n' ' ')
[ -z "$reserved" ] || fail "arguments named like PostgREST's query parameters: $reserved"
ok "no argument is named like a PostgREST query parameter"

psql_admin -d postgres -c "drop database ${DB} with (force)" >/dev/null
echo "types: ${passed} passed"
