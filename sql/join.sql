-- Joins with local tables: parameterized scans turn each outer key into a
-- fetch, or the planner prefers one listing when that is cheaper.
-- Expected output: join.out for PostgreSQL 15, join_1.out for 17 and later,
-- which print a parameterized scan's rechecked join clauses with the scanned
-- table's column first (15 prints the other side first, whatever the query
-- says); nothing else differs.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

-- one request at a time: a listing costs what its requests add up to
CREATE SERVER join_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', max_concurrency '1', request_cost '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER join_srv OPTIONS (token :'pat');
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA snowflake LIMIT TO (remote_schemas, remote_streams)
  FROM SERVER join_srv INTO sf;

CREATE TABLE inventory (db text, schema_name text, owner_team text);
INSERT INTO inventory VALUES
  ('SALES', 'PUBLIC', 'core'),
  ('SALES', 'STAGING', 'etl'),
  ('SALES', 'PUBLIC', 'core-backup'),
  ('MARKETING', 'CAMPAIGNS', 'growth'),
  ('SALES', 'My Schema', 'analytics'),
  ('SALES', 'GONE', 'nobody');
ANALYZE inventory;

-- ===================================================================
-- both keys from the outer side: one fetch per distinct key
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT i.owner_team, r.name, r.comment
  FROM inventory i JOIN sf.remote_schemas r
    ON i.db = r.database_name AND i.schema_name = r.name;
CALL pg_temp.emuctl('clear-log');
SELECT i.owner_team, r.database_name, r.name, r.comment
  FROM inventory i JOIN sf.remote_schemas r
    ON i.db = r.database_name AND i.schema_name = r.name
 ORDER BY i.owner_team;
SELECT method, path FROM pg_temp.emu_requests() ORDER BY path COLLATE "C";

-- an outer join keeps inventory rows whose schema is gone
SELECT i.owner_team, i.schema_name, r.name IS NOT NULL AS exists_remotely
  FROM inventory i LEFT JOIN sf.remote_schemas r
    ON i.db = r.database_name AND i.schema_name = r.name
 ORDER BY i.owner_team;

-- ===================================================================
-- only the database from the outer side: one listing per database
-- ===================================================================
CREATE TABLE tracked_databases (db text PRIMARY KEY, sla text);
INSERT INTO tracked_databases VALUES ('SALES', 'gold'), ('MARKETING', 'silver');
ANALYZE tracked_databases;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT t.sla, s.name FROM tracked_databases t JOIN sf.remote_streams s ON s.database_name = t.db;
CALL pg_temp.emuctl('clear-log');
SELECT t.sla, s.database_name, s.schema_name, s.name
  FROM tracked_databases t JOIN sf.remote_streams s ON s.database_name = t.db
 ORDER BY 1, 2, 3, 4;
-- no request lists all databases: the join supplies them
SELECT count(*) FILTER (WHERE path = '/api/v2/databases') AS account_listings,
       count(*) AS requests
  FROM pg_temp.emu_requests();

-- ===================================================================
-- the same rows with pushdown off
-- ===================================================================
SET snowfdw.enable_pushdown = off;
EXPLAIN (COSTS OFF)
SELECT i.owner_team, r.name
  FROM inventory i JOIN sf.remote_schemas r
    ON i.db = r.database_name AND i.schema_name = r.name;
SELECT i.owner_team, r.database_name, r.name, r.comment
  FROM inventory i JOIN sf.remote_schemas r
    ON i.db = r.database_name AND i.schema_name = r.name
 ORDER BY i.owner_team;
RESET snowfdw.enable_pushdown;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP TABLE inventory, tracked_databases;
DROP SCHEMA sf CASCADE;
DROP SERVER join_srv CASCADE;
