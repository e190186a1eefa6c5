/* snowfdw--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION snowfdw UPDATE TO '1.2'" to load this file. \quit

-- ===================================================================
-- Privileges: statistics are private by default (issue 20)
-- ===================================================================
-- What PUBLIC may call, function by function:
--   snowfdw_handler                  kept: only the server calls it
--   snowfdw_validator                revoked: CREATE and ALTER of a server
--                                    or user mapping call it without
--                                    checking EXECUTE; nobody needs it
--                                    directly
--   snowfdw_get_connections,         kept: this backend's own sessions, as
--   snowfdw_disconnect(_all)         postgres_fdw's
--   snowfdw_clone_schema, _stream,   kept: they check USAGE on the server
--   snowfdw_undrop_schema,           and use the caller's user mapping
--   snowfdw_presign
--   snowfdw_cache_clear,             revoked since 1.1: the cache and the
--   snowfdw_stats_reset              counters are shared by every role
--   snowfdw_cache_info               revoked, granted to pg_read_all_stats:
--                                    the cache's size follows every role's
--                                    queries
--   snowfdw_stats_raw, snowfdw_stats kept, and the view granted: the module
--                                    (1.2) shows a role only the rows of its
--                                    own user mappings and of servers it
--                                    owns, pg_read_all_stats every role's,
--                                    always of the current database only

REVOKE ALL ON FUNCTION snowfdw_validator(text[], oid) FROM PUBLIC;

REVOKE ALL ON FUNCTION snowfdw_cache_info() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION snowfdw_cache_info() TO pg_read_all_stats;

GRANT SELECT ON snowfdw_stats TO PUBLIC;
