-- Generic plans: prepared statements (as drivers use them after a few
-- executions), PL/pgSQL variables and stable functions give values known
-- only when the scan starts.  LIKE, ILIKE and ~ on name and LIMIT/OFFSET
-- reach the request as constants do, with the same exactness rules; for
-- each form, the rows equal those with pushdown off, and the requests the
-- emulator logs are shown.  (explain_request.sql checks EXPLAIN against
-- the requests of the same statements.)
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER gp_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url', page_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER gp_srv OPTIONS (token :'pat');
CREATE SCHEMA gp;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER gp_srv INTO gp;
SET plan_cache_mode = force_generic_plan;

-- rows of a prepared statement's generic plan with pushdown on and off
-- (each prepared under its setting): the same multiset?
CREATE FUNCTION pg_temp.same_rows(body text, types text, args text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n_on bigint; n_off bigint; n_diff bigint;
BEGIN
  SET LOCAL snowfdw.enable_pushdown = on;
  EXECUTE format('PREPARE same_q(%s) AS %s', types, body);
  EXECUTE format('CREATE TEMP TABLE rows_on AS EXECUTE same_q(%s)', args);
  DEALLOCATE same_q;
  SET LOCAL snowfdw.enable_pushdown = off;
  EXECUTE format('PREPARE same_q(%s) AS %s', types, body);
  EXECUTE format('CREATE TEMP TABLE rows_off AS EXECUTE same_q(%s)', args);
  DEALLOCATE same_q;
  SELECT count(*) INTO n_on FROM rows_on;
  SELECT count(*) INTO n_off FROM rows_off;
  SELECT count(*) INTO n_diff FROM ((TABLE rows_on EXCEPT ALL TABLE rows_off)
                                    UNION ALL (TABLE rows_off EXCEPT ALL TABLE rows_on)) d;
  DROP TABLE rows_on, rows_off;
  RETURN format('%s rows on, %s rows off, %s differ', n_on, n_off, n_diff);
END $$;

-- the requests one statement sends
CREATE FUNCTION pg_temp.requests_of(stmt text)
RETURNS TABLE (method text, path text, query text) LANGUAGE plpgsql AS $$
BEGIN
  CALL pg_temp.emuctl('clear-log');
  EXECUTE stmt;
  RETURN QUERY SELECT l.method, l.path, l.query FROM pg_temp.emu_requests() l ORDER BY l.seq;
END $$;

-- ===================================================================
-- schemas: startsWith for a plain prefix, like otherwise; scope and name
-- ===================================================================
PREPARE schemas_like(text, text) AS
  SELECT name FROM gp.remote_schemas WHERE database_name = $1 AND name LIKE $2;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE schemas_like('SALES', 'ST%');
EXECUTE schemas_like('SALES', 'ST%');
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_like('SALES', 'ST%')$$);
-- LIKE is case-sensitive, like= is not: PostgreSQL still checks each row
EXECUTE schemas_like('SALES', '%i%');
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_like('SALES', '%i%')$$);
-- an escape keeps the pattern local, as for a constant
EXECUTE schemas_like('SALES', 'a\/b');
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_like('SALES', 'a\/b')$$);
-- NULL matches nothing: no request at all
EXECUTE schemas_like('SALES', NULL);
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_like('SALES', NULL)$$);
-- past the fifth execution too (a driver's prepare threshold)
EXECUTE schemas_like('SALES', 'P%');
EXECUTE schemas_like('SALES', 'P%');
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_like('SALES', 'P%')$$);

PREPARE schemas_ilike(text) AS
  SELECT name FROM gp.remote_schemas WHERE database_name = 'SALES' AND name ILIKE $1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE schemas_ilike('pub%');
EXECUTE schemas_ilike('pub%');
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_ilike('pub%')$$);

PREPARE schemas_name(text, text, text) AS
  SELECT name FROM gp.remote_schemas WHERE database_name = $1 AND name IN ($2, $3);
EXECUTE schemas_name('SALES', 'PUBLIC', 'we"ird');
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_name('SALES', 'PUBLIC', 'we"ird')$$) ORDER BY path;

SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE database_name = $1 AND name LIKE $2$$,
                         'text, text', $$'SALES', 'ST%'$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE database_name = $1 AND name LIKE $2$$,
                         'text, text', $$'SALES', '%i%'$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE name LIKE $1$$,
                         'text', $$'%A%'$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE name ILIKE $1$$,
                         'text', $$'%a%'$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE database_name = $1 AND name IN ($2, $3)$$,
                         'text, text, text', $$'SALES', 'PUBLIC', 'NOPE'$$);

-- ===================================================================
-- stages: like only
-- ===================================================================
PREPARE stages_like(text) AS
  SELECT name FROM gp.remote_stages
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name LIKE $1;
EXECUTE stages_like('E%');
SELECT * FROM pg_temp.requests_of($$EXECUTE stages_like('E%')$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_stages
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name LIKE $1$$, 'text', $$'%a%'$$);

-- ===================================================================
-- stage files: LIKE and ~ become pattern where the translation is exact
-- ===================================================================
PREPARE files_regex(text) AS
  SELECT name FROM gp.stage_files
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ $1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE files_regex('csv$');
EXECUTE files_regex('csv$');
SELECT * FROM pg_temp.requests_of($$EXECUTE files_regex('csv$')$$);
-- outside the translated subset: filtered locally
EXECUTE files_regex('(?i)README');
SELECT * FROM pg_temp.requests_of($$EXECUTE files_regex('(?i)README')$$);
PREPARE files_like(text) AS
  SELECT name FROM gp.stage_files
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name LIKE $1;
EXECUTE files_like('raw/data\_%');
SELECT * FROM pg_temp.requests_of($$EXECUTE files_like('raw/data\_%')$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.stage_files
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ $1$$,
                         'text', $$'^raw/.*[0-9]\.csv$'$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.stage_files
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ $1$$,
                         'text', $$'(?i)readme'$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.stage_files
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name LIKE $1$$,
                         'text', $$'%.csv'$$);

-- ===================================================================
-- LIMIT and OFFSET: showLimit is what the query needs, paged on if more
-- ===================================================================
PREPARE schemas_limit(bigint, bigint) AS
  SELECT name FROM gp.remote_schemas WHERE database_name = 'SALES' LIMIT $1 OFFSET $2;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE schemas_limit(2, 0);
EXECUTE schemas_limit(2, 0);
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_limit(2, 0)$$);
EXECUTE schemas_limit(1, 1);
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_limit(1, 1)$$);
-- more than a page: pages of page_size, as without LIMIT
SELECT count(*) FROM (SELECT 1 FROM pg_temp.requests_of($$EXECUTE schemas_limit(5, 0)$$)) r;
EXECUTE schemas_limit(5, 0);
-- LIMIT NULL is no limit
SELECT * FROM pg_temp.requests_of($$EXECUTE schemas_limit(NULL, NULL)$$);
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE database_name = 'SALES' LIMIT $1 OFFSET $2$$,
                         'bigint, bigint', '2, 0');
-- LIMIT alone (no OFFSET to evaluate)
SELECT pg_temp.same_rows($$SELECT name FROM gp.remote_schemas WHERE database_name = 'SALES' LIMIT $1$$,
                         'bigint', '2');

-- ===================================================================
-- PL/pgSQL variables and stable functions
-- ===================================================================
CREATE FUNCTION pg_temp.schemas_starting(prefix text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT name FROM gp.remote_schemas
                WHERE database_name = 'SALES' AND name LIKE prefix || '%';
END $$;
SELECT * FROM pg_temp.schemas_starting('ST');
SELECT * FROM pg_temp.requests_of($$SELECT * FROM pg_temp.schemas_starting('ST')$$);
SET gp.prefix = 'PU';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM gp.remote_schemas
 WHERE database_name = 'SALES' AND name LIKE current_setting('gp.prefix') || '%';
SELECT * FROM pg_temp.requests_of($$SELECT name FROM gp.remote_schemas
 WHERE database_name = 'SALES' AND name LIKE current_setting('gp.prefix') || '%'$$);
RESET gp.prefix;

-- ===================================================================
-- cleanup
-- ===================================================================
DEALLOCATE ALL;
RESET plan_cache_mode;
DROP SCHEMA gp CASCADE;
DROP SERVER gp_srv CASCADE;
