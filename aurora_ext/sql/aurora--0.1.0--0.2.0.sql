-- aurora 0.1.0 → 0.2.0. Pending: this step accumulates every change to the extension's
-- SQL until 0.2.0 is released (aurora_ext/RELEASES); a released step is never edited.
-- Each change below ends the database exactly where a fresh `create extension aurora` of
-- the same commit would (tests/upgrade.sh checks it).
\echo Use "ALTER EXTENSION aurora UPDATE" to load this file. \quit

-- gamification: the level rule, callable from SQL (add_points, sql/adopt.sql)
CREATE  FUNCTION aurora_private."level_for"(
	"points" INT /* i32 */
) RETURNS INT /* i32 */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'level_for_sql_wrapper';
-- as platform/finalize.sql leaves every aurora_private function
revoke all on function aurora_private.level_for(integer) from public, anon, authenticated;
grant execute on function aurora_private.level_for(integer) to service_role;
grant execute on function aurora_private.level_for(integer) to authenticated;
