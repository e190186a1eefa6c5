-- Asynchronous execution: an Append sends the first calls of all its
-- snowfdw children at once and returns rows from whichever answers first.
-- The rows must be those of the serial plan, with the feature on and off;
-- max_concurrency bounds the transfers of all scans of the statement; a
-- failure, a cancel or a timeout in one child ends the statement and leaves
-- no transfer open.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER async_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url', page_size '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER async_srv OPTIONS (token :'pat');
CREATE SCHEMA aa;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER async_srv INTO aa;

-- plan('query'): EXPLAIN (COSTS OFF) without the names of a UNION's
-- branches, which 19 calls unnamed_subquery and 15 to 18 "*SELECT* n"
CREATE FUNCTION pg_temp.plan(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    RETURN NEXT regexp_replace(line, 'Subquery Scan on .*$', 'Subquery Scan');
  END LOOP;
END $$;

-- rows of a query run asynchronously and serially (enable_async_append
-- off): true when they are the same multiset
CREATE FUNCTION pg_temp.same_as_serial(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n_async bigint; n_serial bigint; n_diff bigint;
BEGIN
  SET LOCAL enable_async_append = on;
  EXECUTE 'CREATE TEMP TABLE rows_async AS ' || query;
  SET LOCAL enable_async_append = off;
  EXECUTE 'CREATE TEMP TABLE rows_serial AS ' || query;
  SELECT count(*) INTO n_async FROM rows_async;
  SELECT count(*) INTO n_serial FROM rows_serial;
  SELECT count(*) INTO n_diff FROM ((TABLE rows_async EXCEPT ALL TABLE rows_serial)
                                    UNION ALL (TABLE rows_serial EXCEPT ALL TABLE rows_async)) d;
  DROP TABLE rows_async, rows_serial;
  RETURN format('%s rows async, %s rows serial, %s differ', n_async, n_serial, n_diff);
END $$;

-- ===================================================================
-- UNION ALL of four single-scope scans
-- ===================================================================
-- PostgreSQL runs a child asynchronously only when nothing stands between
-- it and the Append.  A branch that projects (count(*) over a UNION ALL, a
-- view read for some of its columns) keeps a Subquery Scan over each scan:
-- those run in turn, and the first to be read sends the others' first calls
-- (siblings.c).  Both shapes are tested.
CREATE VIEW four_scopes AS
SELECT database_name, schema_name, name FROM aa.remote_stages
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC'
UNION ALL
SELECT database_name, schema_name, name FROM aa.remote_stages
 WHERE database_name = 'SALES' AND schema_name = 'My Schema'
UNION ALL
SELECT database_name, schema_name, name FROM aa.remote_streams
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC'
UNION ALL
SELECT database_name, schema_name, name FROM aa.remote_streams
 WHERE database_name = 'MARKETING' AND schema_name = 'CAMPAIGNS';
EXPLAIN (COSTS OFF) SELECT * FROM four_scopes;
SELECT * FROM four_scopes ORDER BY database_name, schema_name, name COLLATE "C";
SELECT pg_temp.plan('SELECT count(*) FROM four_scopes');
SELECT pg_temp.same_as_serial('SELECT * FROM four_scopes');
SELECT pg_temp.same_as_serial('SELECT name FROM four_scopes');
-- page_size 2: the stream listing of SALES.PUBLIC takes keyset pages, in
-- the order the serial plan asks them
CALL pg_temp.emuctl('clear-log');
SELECT name FROM four_scopes ORDER BY name COLLATE "C";
SELECT path, query FROM pg_temp.emu_requests()
 WHERE path = '/api/v2/databases/SALES/schemas/PUBLIC/streams' ORDER BY seq;

-- the four requests run at once: one connection each, in both shapes
CALL pg_temp.emuctl('fault', '{"action": "latency", "ms": 300, "times": -1}');
CALL pg_temp.emuctl('clear-log');
SELECT * FROM four_scopes ORDER BY name COLLATE "C";
SELECT count(DISTINCT conn) AS connections FROM pg_temp.emu_requests();
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM four_scopes;
SELECT count(DISTINCT conn) AS connections FROM pg_temp.emu_requests();
-- the option turns asynchronous execution off; it takes a Boolean
-- should fail
ALTER SERVER async_srv OPTIONS (ADD async_capable 'sometimes');
ALTER SERVER async_srv OPTIONS (ADD async_capable 'false');
EXPLAIN (COSTS OFF) SELECT * FROM four_scopes;
ALTER SERVER async_srv OPTIONS (DROP async_capable);
-- a table option decides for its own scans
ALTER FOREIGN TABLE aa.remote_stages OPTIONS (ADD async_capable 'false');
EXPLAIN (COSTS OFF) SELECT * FROM four_scopes;
SELECT pg_temp.same_as_serial('SELECT * FROM four_scopes');
ALTER FOREIGN TABLE aa.remote_stages OPTIONS (DROP async_capable);
-- max_concurrency bounds all scans of the statement together
ALTER SERVER async_srv OPTIONS (ADD max_concurrency '2');
CALL pg_temp.emuctl('clear-log');
SELECT * FROM four_scopes ORDER BY name COLLATE "C";
SELECT count(DISTINCT conn) AS connections FROM pg_temp.emu_requests();
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM four_scopes;
SELECT count(DISTINCT conn) AS connections FROM pg_temp.emu_requests();
ALTER SERVER async_srv OPTIONS (DROP max_concurrency);
CALL pg_temp.emuctl('clear-faults');

-- a LIMIT stops the statement early: the other children's transfers are
-- abandoned, none stays open
SELECT count(*) FROM (SELECT * FROM four_scopes LIMIT 2) s;
SHOW snowfdw.open_transfers;

-- ===================================================================
-- a partitioned table, one foreign partition per database
-- ===================================================================
CREATE TABLE schemas_by_db (database_name text, name text, comment text)
  PARTITION BY LIST (database_name);
CREATE FOREIGN TABLE schemas_sales PARTITION OF schemas_by_db FOR VALUES IN ('SALES')
  SERVER async_srv OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE schemas_marketing PARTITION OF schemas_by_db FOR VALUES IN ('MARKETING')
  SERVER async_srv OPTIONS (object 'schemas', database 'MARKETING');
EXPLAIN (COSTS OFF) SELECT * FROM schemas_by_db;
SELECT database_name, name FROM schemas_by_db ORDER BY database_name, name COLLATE "C";
EXPLAIN (COSTS OFF) SELECT count(*) FROM schemas_by_db;
SELECT count(*) FROM schemas_by_db;
SELECT pg_temp.same_as_serial('SELECT * FROM schemas_by_db');
SELECT pg_temp.same_as_serial($$SELECT * FROM schemas_by_db WHERE name LIKE '%A%'$$);
-- rescans: the Append runs again for each outer row, with a new value
SELECT pg_temp.same_as_serial($$
  SELECT v.p, s.n FROM (VALUES ('P'), ('S'), ('C'), ('X')) v(p),
         LATERAL (SELECT count(*) AS n FROM schemas_by_db WHERE name LIKE v.p || '%') s $$);
SELECT v.p, s.n FROM (VALUES ('P'), ('S'), ('C'), ('X')) v(p),
       LATERAL (SELECT count(*) AS n FROM schemas_by_db WHERE name LIKE v.p || '%') s
 ORDER BY 1;

-- ===================================================================
-- local and foreign children in one Append
-- ===================================================================
CREATE TABLE local_names (database_name text, schema_name text, name text);
INSERT INTO local_names VALUES ('LOCAL', 'L', 'one'), ('LOCAL', 'L', 'two');
CREATE VIEW mixed AS
SELECT * FROM local_names
UNION ALL SELECT * FROM four_scopes
UNION ALL SELECT database_name, NULL, name FROM aa.remote_schemas
 WHERE database_name = 'MARKETING';
EXPLAIN (COSTS OFF) SELECT * FROM mixed;
SELECT pg_temp.same_as_serial('SELECT * FROM mixed');
SELECT database_name, count(*) FROM mixed GROUP BY 1 ORDER BY 1;

-- a cursor reads an asynchronous Append one row per FETCH: each stops the
-- Append mid-way and the next resumes it; the rows kept are the serial
-- plan's (test/suites/25-psycopg.sh fetches in chunks through a driver)
CREATE TEMP TABLE fetched (name text);
DO $$
DECLARE
  c refcursor;
  r record;
BEGIN
  OPEN c FOR SELECT name FROM mixed;
  LOOP
    FETCH c INTO r;
    EXIT WHEN NOT FOUND;
    INSERT INTO fetched VALUES (r.name);
  END LOOP;
  CLOSE c;
END $$;
SET enable_async_append = off;
SELECT (SELECT count(*) FROM fetched) AS fetched,
       (SELECT count(*) FROM ((TABLE fetched EXCEPT ALL SELECT name FROM mixed)
                              UNION ALL (SELECT name FROM mixed EXCEPT ALL TABLE fetched)) d) AS differ;
RESET enable_async_append;
SHOW snowfdw.open_transfers;

-- ===================================================================
-- a failure in one child fails the statement and leaves no transfer
-- ===================================================================
ALTER SERVER async_srv OPTIONS (ADD max_retries '0');
CALL pg_temp.emuctl('fault', '{"action": "latency", "ms": 200, "times": -1, "path": "SALES"}');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 500, "path": "MARKETING"}');
\set VERBOSITY terse
-- should fail
SELECT * FROM four_scopes ORDER BY name COLLATE "C";
\set VERBOSITY default
SHOW snowfdw.open_transfers;
CALL pg_temp.emuctl('clear-faults');
-- a failure on a later page of one listing, in the run-in-turn shape
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 500, "path": "PUBLIC/streams", "skip": 1}');
\set VERBOSITY terse
-- should fail
SELECT name FROM four_scopes ORDER BY name COLLATE "C";
\set VERBOSITY default
SHOW snowfdw.open_transfers;
CALL pg_temp.emuctl('clear-faults');
ALTER SERVER async_srv OPTIONS (DROP max_retries);
-- and the next statement works
SELECT count(*) FROM four_scopes;

-- ===================================================================
-- cancel and statement_timeout mid-append
-- ===================================================================
-- one child never answers: the timeout ends the statement promptly
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "hang", "seconds": 60, "path": "MARKETING"}');
SET statement_timeout = '1s';
-- should fail
SELECT * FROM four_scopes ORDER BY name COLLATE "C";
RESET statement_timeout;
-- the hang was not over when the statement had returned
SELECT pg_temp.emu_mark() AS returned \gset
SELECT bool_and(e->>'answered' IS NULL OR (e->>'answered')::int > :returned) AS prompt
  FROM pg_temp.emu_log_entries() e WHERE e->>'fault' = 'hang';
SHOW snowfdw.open_transfers;
CALL pg_temp.emuctl('clear-faults');
-- every child trickles its answer in, run-in-turn shape (a statement
-- timeout is a cancel)
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "drip", "bytes": 1, "interval_ms": 200, "times": -1}');
SET statement_timeout = '1s';
-- should fail
SELECT name FROM four_scopes ORDER BY name COLLATE "C";
RESET statement_timeout;
-- no body was sent whole: every transfer was cut short
SELECT bool_and(e->>'bytes_sent' IS NULL OR (e->>'bytes_sent')::int < (e->>'bytes_total')::int) AS prompt
  FROM pg_temp.emu_log_entries() e WHERE e->>'fault' = 'drip';
SHOW snowfdw.open_transfers;
CALL pg_temp.emuctl('clear-faults');
SELECT count(*) FROM four_scopes;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP VIEW mixed, four_scopes;
DROP TABLE local_names, schemas_by_db, fetched;
DROP SCHEMA aa CASCADE;
DROP SERVER async_srv CASCADE;
