/* snowfdw--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION snowfdw UPDATE TO '1.3'" to load this file. \quit

-- ===================================================================
-- The request pacer (issue 31)
-- ===================================================================

-- ===================================================================
-- What snowfdw is doing right now: snowfdw_activity (issue 32)
-- ===================================================================

-- ===================================================================
-- Writes that follow the transaction: defer_writes (issue 33)
-- ===================================================================
-- No SQL object: an option (server and table) and a GUC, both in the library.
