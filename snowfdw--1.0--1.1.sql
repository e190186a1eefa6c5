/* snowfdw--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION snowfdw UPDATE TO '1.1'" to load this file. \quit

-- Response cache: drop the cached responses of one server, or of all
-- servers; returns the number of entries dropped
CREATE FUNCTION snowfdw_cache_clear(server name DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME'
LANGUAGE C PARALLEL RESTRICTED;

-- Whether the cache is shared by all backends (snowfdw preloaded), and
-- its entries and bytes
CREATE FUNCTION snowfdw_cache_info(
    OUT shared boolean, OUT entries bigint, OUT bytes bigint)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- Request counters per server and user mapping
CREATE FUNCTION snowfdw_stats_raw(
    OUT serverid oid, OUT umid oid,
    OUT requests bigint, OUT status_2xx bigint, OUT status_4xx bigint,
    OUT status_5xx bigint, OUT status_429 bigint, OUT retries bigint,
    OUT bytes_received bigint, OUT cache_hits bigint,
    OUT cache_misses bigint, OUT errors bigint,
    OUT total_time_ms double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

CREATE VIEW snowfdw_stats AS
  SELECT s.srvname AS server_name,
         m.usename AS user_name,
         r.requests, r.status_2xx, r.status_4xx, r.status_5xx, r.status_429,
         r.retries, r.bytes_received, r.cache_hits, r.cache_misses,
         r.errors, r.total_time_ms
    FROM snowfdw_stats_raw() r
    LEFT JOIN pg_catalog.pg_foreign_server s ON s.oid = r.serverid
    LEFT JOIN pg_catalog.pg_user_mappings m ON m.umid = r.umid;

CREATE FUNCTION snowfdw_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C PARALLEL RESTRICTED;

REVOKE ALL ON FUNCTION snowfdw_cache_clear(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION snowfdw_stats_reset() FROM PUBLIC;
