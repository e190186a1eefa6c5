-- What the planner knows: ANALYZE samples a listing, estimates follow what
-- was listed before, and costs count requests in rounds at their latency.
-- Expected output: planner.out for PostgreSQL 15, planner_1.out for 17 and later,
-- which print a parameterized scan's rechecked join clauses with the scanned
-- table's column first (15 prints the other side first, whatever the query
-- says); nothing else differs.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER plan_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER plan_srv OPTIONS (token :'pat');
CREATE SCHEMA pl;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER plan_srv INTO pl;
CREATE FOREIGN TABLE pl.sales_schemas (database_name text, name text, kind text)
  SERVER plan_srv OPTIONS (object 'schemas', database 'SALES');

-- estimated rows of a plan, from EXPLAIN (FORMAT JSON)
CREATE FUNCTION pg_temp.estimated_rows(query text) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan->0->'Plan'->>'Plan Rows')::numeric;
END $$;
CREATE FUNCTION pg_temp.estimated_cost(query text) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan->0->'Plan'->>'Total Cost')::numeric;
END $$;

-- ===================================================================
-- ANALYZE samples every kind of table, quietly
-- ===================================================================
ANALYZE pl.remote_schemas, pl.remote_stages, pl.remote_streams, pl.stage_files, pl.sales_schemas;
SELECT c.relname, c.reltuples
  FROM pg_class c WHERE c.relnamespace = 'pl'::regnamespace ORDER BY c.relname;
SELECT (SELECT count(*) FROM pl.remote_schemas) AS schemas,
       (SELECT count(*) FROM pl.remote_stages) AS stages,
       (SELECT count(*) FROM pl.remote_streams) AS streams,
       (SELECT count(*) FROM pl.stage_files) AS files;
SELECT tablename, attname, n_distinct, null_frac
  FROM pg_stats WHERE schemaname = 'pl' AND tablename = 'remote_schemas'
   AND attname IN ('database_name', 'name', 'kind', 'owner') ORDER BY attname;
-- a database-wide ANALYZE gives no warning for snowfdw tables
SET client_min_messages = warning;
ANALYZE;
RESET client_min_messages;
-- the sample respects the statistics target: 300 rows per unit
SET snowfdw_test.body = '';
SELECT set_config('snowfdw_test.body',
       (SELECT json_agg(json_build_object('name', 'ST_' || lpad(i::text, 4, '0'), 'kind', 'INTERNAL'))::text
          FROM generate_series(1, 1000) i), false) IS NOT NULL AS body_ready;
CALL pg_temp.emuctl('fault', json_build_object('action', 'malformed', 'path', '/SALES/schemas/PUBLIC/stages$',
                                               'body', current_setting('snowfdw_test.body'))::text);
CREATE FOREIGN TABLE pl.many_stages (name text, kind text)
  SERVER plan_srv OPTIONS (object 'stages', database 'SALES', schema 'PUBLIC');
ALTER TABLE pl.many_stages ALTER COLUMN name SET STATISTICS 1;
ALTER TABLE pl.many_stages ALTER COLUMN kind SET STATISTICS 1;
-- (not VERBOSE: from 18 its report adds read rates and timings that vary;
-- reltuples below shows the whole listing was counted)
ANALYZE pl.many_stages;
SELECT reltuples FROM pg_class WHERE oid = 'pl.many_stages'::regclass;
-- after ANALYZE, estimates scale reltuples by the statistics of the quals
SELECT pg_temp.estimated_rows('SELECT * FROM pl.remote_schemas WHERE database_name = ''SALES''') AS sales_estimate,
       (SELECT count(*) FROM pl.remote_schemas WHERE database_name = 'SALES') AS sales_actual;
-- ANALYZE can be cancelled
CALL pg_temp.emuctl('fault', '{"action": "drip", "path": "/schemas$", "bytes": 1, "interval_ms": 50, "times": 1}');
SET statement_timeout = '300ms';
-- should fail
ANALYZE pl.sales_schemas;
RESET statement_timeout;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- without ANALYZE, a complete listing tells later estimates its size
-- ===================================================================
-- (a server of its own: what this session listed before does not count)
CREATE SERVER fresh_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER fresh_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE pl.fresh_schemas (database_name text, name text)
  SERVER fresh_srv OPTIONS (object 'schemas');
SELECT pg_temp.estimated_rows('SELECT * FROM pl.fresh_schemas WHERE database_name = ''SALES''') AS before_listing;
SELECT count(*) FROM pl.fresh_schemas WHERE database_name = 'SALES';
SELECT pg_temp.estimated_rows('SELECT * FROM pl.fresh_schemas WHERE database_name = ''SALES''') AS after_listing;
-- the account's listing: databases, then schemas per database
SELECT pg_temp.estimated_rows('SELECT * FROM pl.fresh_schemas') AS account_before;
SELECT count(*) FROM pl.fresh_schemas;
SELECT pg_temp.estimated_rows('SELECT * FROM pl.fresh_schemas') AS account_after;
-- a database not listed yet gets the average of those that were
SELECT pg_temp.estimated_rows('SELECT * FROM pl.fresh_schemas WHERE database_name = ''NEW_DB''') AS unlisted_database;
-- name = gives one row
SELECT pg_temp.estimated_rows('SELECT * FROM pl.fresh_schemas WHERE database_name = ''SALES'' AND name = ''PUBLIC''') AS by_name;

-- ===================================================================
-- costs count requests in rounds, at their measured latency
-- ===================================================================
-- (the one test of measured latency: the other plans below pin request_cost;
-- a loaded machine slows the 1 ms server, but not by 100 ms per request)
CREATE FOREIGN TABLE pl.all_schemas (database_name text, name text)
  SERVER plan_srv OPTIONS (object 'schemas');
CALL pg_temp.emuctl('fault', '{"action": "latency", "ms": 1, "times": -1}');
SELECT count(*) > 0 AS listed FROM pl.all_schemas;
SELECT pg_temp.estimated_cost('SELECT * FROM pl.all_schemas') AS cost_at_1ms \gset
CALL pg_temp.emuctl('clear-faults');
CALL pg_temp.emuctl('fault', '{"action": "latency", "ms": 200, "times": -1}');
SELECT count(*) > 0 AS listed FROM pl.all_schemas;
SELECT count(*) > 0 AS listed FROM pl.all_schemas;
SELECT pg_temp.estimated_cost('SELECT * FROM pl.all_schemas') AS cost_at_200ms \gset
CALL pg_temp.emuctl('clear-faults');
SELECT :cost_at_200ms / :cost_at_1ms > 2 AS slower_server_costs_more;
-- request_cost overrides the measurement; EXPLAIN shows the requests expected
ALTER SERVER plan_srv OPTIONS (ADD request_cost '100', ADD row_cost '0.01');
-- what was measured belongs to the options that measured it: list again
SELECT count(*) > 0 AS listed FROM pl.all_schemas;
EXPLAIN SELECT * FROM pl.all_schemas;
EXPLAIN SELECT * FROM pl.all_schemas WHERE database_name IN ('SALES', 'MARKETING');

-- ===================================================================
-- the plan follows the costs: few outer rows fetch, many outer rows list
-- ===================================================================
CREATE TABLE few (db text, schema_name text);
INSERT INTO few VALUES ('SALES', 'PUBLIC'), ('MARKETING', 'CAMPAIGNS');
CREATE TABLE many (db text, schema_name text);
INSERT INTO many SELECT 'SALES', 'S' || i FROM generate_series(1, 500) i;
ANALYZE few, many;
EXPLAIN (COSTS OFF)
SELECT f.db, r.name FROM few f JOIN pl.all_schemas r
    ON f.db = r.database_name AND f.schema_name = r.name;
CALL pg_temp.emuctl('clear-log');
SELECT f.db, r.name FROM few f JOIN pl.all_schemas r
    ON f.db = r.database_name AND f.schema_name = r.name ORDER BY 1, 2;
SELECT count(*) AS requests FROM pg_temp.emu_requests();
EXPLAIN (COSTS OFF)
SELECT m.db, r.name FROM many m JOIN pl.all_schemas r
    ON m.db = r.database_name AND m.schema_name = r.name;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM many m JOIN pl.all_schemas r
    ON m.db = r.database_name AND m.schema_name = r.name;
SELECT count(*) < 10 AS few_requests FROM pg_temp.emu_requests();
-- without the per-scope listing, many outer rows list the whole account
SET snowfdw.enable_scope_join = off;
EXPLAIN (COSTS OFF)
SELECT m.db, r.name FROM many m JOIN pl.all_schemas r
    ON m.db = r.database_name AND m.schema_name = r.name;
RESET snowfdw.enable_scope_join;

-- ===================================================================
-- the same join plans differently against a near and a far server
-- ===================================================================
-- (rows made expensive so that the listing's rows weigh against its saved
-- round trips; a request's cost pinned with request_cost, as measured from
-- a request of 1 ms and one of 200 ms: 10 and 2000)
CREATE SERVER lat_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', row_cost '100', request_cost '10');
CREATE USER MAPPING FOR CURRENT_USER SERVER lat_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE pl.lat_schemas (database_name text, name text)
  SERVER lat_srv OPTIONS (object 'schemas');
CREATE TABLE four (db text, schema_name text);
INSERT INTO four VALUES ('SALES', 'PUBLIC'), ('MARKETING', 'CAMPAIGNS'),
  ('EMPTY_DB', 'X'), ('SALES', 'STAGING');
ANALYZE four;
SET snowfdw.enable_scope_join = off;
-- the listing's sizes, which both plans weigh
SELECT count(*) > 0 AS listed FROM pl.lat_schemas;
-- near: a fetch per outer row
EXPLAIN (COSTS OFF)
SELECT f.db, r.name FROM four f JOIN pl.lat_schemas r
    ON f.db = r.database_name AND f.schema_name = r.name;
ALTER SERVER lat_srv OPTIONS (SET request_cost '2000');
-- what was measured belongs to the options that measured it: list again
SELECT count(*) > 0 AS listed FROM pl.lat_schemas;
-- far: one listing in two rounds instead of four round trips
EXPLAIN (COSTS OFF)
SELECT f.db, r.name FROM four f JOIN pl.lat_schemas r
    ON f.db = r.database_name AND f.schema_name = r.name;
RESET snowfdw.enable_scope_join;

-- ===================================================================
-- cleanup
-- ===================================================================
SET client_min_messages = warning;
DROP SERVER plan_srv CASCADE;
DROP SERVER fresh_srv CASCADE;
DROP SERVER lat_srv CASCADE;
DROP SCHEMA pl CASCADE;
DROP TABLE few, many, four;
