/* snowfdw--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION snowfdw UPDATE TO '1.3'" to load this file. \quit

-- ===================================================================
-- The request pacer (issue 31)
-- ===================================================================
-- snowfdw_stats gains what the pacer did: requests sent at a pacer slot,
-- the seconds calls waited for slots and 429 hold-offs, and the learned
-- rate (NULL while none is learned).  The function's OUT columns change,
-- so the view and the function are made again; the grant of 1.2 is kept
-- (the function keeps its default EXECUTE for PUBLIC, as in 1.2).
DROP VIEW snowfdw_stats;
DROP FUNCTION snowfdw_stats_raw();

CREATE FUNCTION snowfdw_stats_raw(
    OUT serverid oid, OUT umid oid,
    OUT requests bigint, OUT status_2xx bigint, OUT status_4xx bigint,
    OUT status_5xx bigint, OUT status_429 bigint, OUT retries bigint,
    OUT bytes_received bigint, OUT cache_hits bigint,
    OUT cache_misses bigint, OUT errors bigint,
    OUT total_time_ms double precision,
    OUT paced_requests bigint, OUT paced_wait_seconds double precision,
    OUT learned_rate double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

CREATE VIEW snowfdw_stats AS
  SELECT s.srvname AS server_name,
         m.usename AS user_name,
         r.requests, r.status_2xx, r.status_4xx, r.status_5xx, r.status_429,
         r.retries, r.bytes_received, r.cache_hits, r.cache_misses,
         r.errors, r.total_time_ms,
         r.paced_requests, r.paced_wait_seconds, r.learned_rate
    FROM snowfdw_stats_raw() r
    LEFT JOIN pg_catalog.pg_foreign_server s ON s.oid = r.serverid
    LEFT JOIN pg_catalog.pg_user_mappings m ON m.umid = r.umid;

GRANT SELECT ON snowfdw_stats TO PUBLIC;

-- ===================================================================
-- What snowfdw is doing right now: snowfdw_activity (issue 32)
-- ===================================================================
-- One row per request under way, of every backend when snowfdw is
-- preloaded (of this backend otherwise).  Privacy as snowfdw_stats: the
-- function shows a role the requests made as a role whose privileges it
-- has, pg_read_all_stats every request; so both stay PUBLIC, and the view
-- is granted as snowfdw_stats is.

CREATE FUNCTION snowfdw_activity_raw(
    OUT pid integer,
    OUT database text,
    OUT server text,
    OUT user_name text,
    OUT method text,
    OUT path text,
    OUT state text,
    OUT since timestamptz,
    OUT started timestamptz,
    OUT attempt integer,
    OUT bytes_received bigint,
    OUT rows_delivered bigint,
    OUT pages integer,
    OUT request_id text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'snowfdw_activity_raw'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW snowfdw_activity AS
  SELECT * FROM snowfdw_activity_raw();

GRANT SELECT ON snowfdw_activity TO PUBLIC;

-- ===================================================================
-- Writes that follow the transaction: defer_writes (issue 33)
-- ===================================================================
-- No SQL object: an option (server and table) and a GUC, both in the library.
