/* snowfdw--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION snowfdw UPDATE TO '1.3'" to load this file. \quit

-- ===================================================================
-- The request pacer (issue 31)
-- ===================================================================

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
