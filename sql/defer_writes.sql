-- defer_writes: INSERT, UPDATE and DELETE wait for COMMIT; ROLLBACK sends
-- nothing; COMMIT sends in order and undoes what it can when one fails;
-- scans of the transaction see its pending changes.  The emulator's log is
-- the truth: "writes()" are its requests other than GET.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CALL pg_temp.emuctl('reset');
CREATE SERVER defer_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', defer_writes 'true', cache_ttl '3600');
CREATE USER MAPPING FOR CURRENT_USER SERVER defer_srv OPTIONS (token :'pat');
CREATE SCHEMA defer;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER defer_srv INTO defer;
-- one request at a time, so that the request log has one order (37-defer
-- checks a pipelined COMMIT)
SET snowfdw.max_concurrency = 1;

-- the requests that change something, in order
CREATE FUNCTION pg_temp.writes()
RETURNS TABLE (method text, path text, query text, status int)
LANGUAGE sql AS $$
  SELECT method, path, query, status FROM pg_temp.emu_requests()
   WHERE method <> 'GET' ORDER BY seq
$$;
CREATE FUNCTION pg_temp.write_count() RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM pg_temp.writes() $$;
-- the schemas of SALES as the transaction sees them
CREATE VIEW pg_temp.sales AS
  SELECT name, comment FROM defer.remote_schemas WHERE database_name = 'SALES';

-- ===================================================================
-- ROLLBACK, an error, ROLLBACK TO SAVEPOINT: nothing is sent
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'D1', 'one'), ('SALES', 'D2', 'two');
UPDATE defer.remote_schemas SET comment = 'changed'
  WHERE database_name = 'SALES' AND name = 'PUBLIC';
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name = 'x:y';
DELETE FROM defer.remote_stages WHERE name = 'RAW';
ROLLBACK;
SELECT pg_temp.write_count() AS writes_after_rollback;

CALL pg_temp.emuctl('clear-log');
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'D1');
SELECT 1 / 0;
COMMIT;
SELECT pg_temp.write_count() AS writes_after_error;

-- a statement that fails midway: its earlier rows are forgotten too
CALL pg_temp.emuctl('clear-log');
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name)
  VALUES ('SALES', 'D1'), ('SALES', 'D1');
COMMIT;
SELECT pg_temp.write_count() AS writes_after_failed_statement;

-- ROLLBACK TO SAVEPOINT forgets what the savepoint did; RELEASE keeps it
CALL pg_temp.emuctl('clear-log');
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'D1');
SAVEPOINT a;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'D2');
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name = 'D1';
SELECT name FROM pg_temp.sales WHERE name LIKE 'D%' ORDER BY 1;
ROLLBACK TO SAVEPOINT a;
SELECT name FROM pg_temp.sales WHERE name LIKE 'D%' ORDER BY 1;
SAVEPOINT b;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'D3');
RELEASE b;
SAVEPOINT c;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'D4');
SELECT 1 / 0;
ROLLBACK TO SAVEPOINT c;
SELECT pg_temp.write_count() AS writes_before_commit;
COMMIT;
-- D1 and D3, nothing of the savepoints rolled back
SELECT * FROM pg_temp.writes();
SELECT name FROM pg_temp.sales WHERE name LIKE 'D%' ORDER BY 1;

-- ===================================================================
-- Read your own writes: the same rows as if the writes had been sent
-- ===================================================================
CREATE TEMP TABLE seen (step text, name text, comment text);
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'E1', 'new one'), ('SALES', 'E2', 'new two');
UPDATE defer.remote_schemas SET comment = 'updated' WHERE database_name = 'SALES' AND name IN ('D1', 'E2');
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name IN ('D3', '100%');
-- a pending create appears, a pending drop disappears, an update shows
INSERT INTO seen SELECT 'all', name, comment FROM pg_temp.sales;
-- with pushdown: name =, LIKE, a LIMIT (pushed as showLimit without pending changes)
INSERT INTO seen SELECT 'eq', name, comment FROM pg_temp.sales WHERE name = 'E1';
INSERT INTO seen SELECT 'eq-dropped', name, comment FROM pg_temp.sales WHERE name = 'D3';
INSERT INTO seen SELECT 'like', name, comment FROM pg_temp.sales WHERE name LIKE 'E%' OR name LIKE 'D%';
INSERT INTO seen SELECT 'limit', name, comment FROM (SELECT * FROM pg_temp.sales ORDER BY name LIMIT 2) s;
INSERT INTO seen SELECT 'comment', name, comment FROM pg_temp.sales WHERE comment = 'updated';
-- what the transaction sees
SELECT step, name, comment FROM seen ORDER BY step, name;
EXPLAIN (COSTS OFF, VERBOSE)
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name = 'E1';
CALL pg_temp.emuctl('clear-log');
COMMIT;
-- COMMIT: creates, then updates, then drops
SELECT * FROM pg_temp.writes();
-- the same queries after COMMIT give the same rows
SELECT s.step, s.name, s.comment FROM seen s
  FULL JOIN (
    SELECT 'all' AS step, name, comment FROM pg_temp.sales
    UNION ALL SELECT 'eq', name, comment FROM pg_temp.sales WHERE name = 'E1'
    UNION ALL SELECT 'eq-dropped', name, comment FROM pg_temp.sales WHERE name = 'D3'
    UNION ALL SELECT 'like', name, comment FROM pg_temp.sales WHERE name LIKE 'E%' OR name LIKE 'D%'
    UNION ALL (SELECT 'limit', name, comment FROM pg_temp.sales ORDER BY name LIMIT 2)
    UNION ALL SELECT 'comment', name, comment FROM pg_temp.sales WHERE comment = 'updated'
  ) a USING (step, name, comment)
 WHERE s.name IS NULL OR a.name IS NULL;

-- the cache (cache_ttl 3600) never holds a pending row: a rolled back
-- create is not in a later answer of the cache
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'F1');
SELECT name FROM pg_temp.sales WHERE name = 'F1';
ROLLBACK;
SELECT name FROM pg_temp.sales WHERE name = 'F1';

-- a stage in a schema created in the same transaction, a stage dropped
-- (that cannot be undone: last), a schema dropped
CALL pg_temp.emuctl('clear-log');
BEGIN;
DELETE FROM defer.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'RAW';
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name = 'E1';
INSERT INTO defer.remote_stages (database_name, schema_name, name, comment)
  VALUES ('SALES', 'G1', 'ST', 'in a new schema');
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'G1');
SELECT database_name, schema_name, name, comment FROM defer.remote_stages
 WHERE database_name = 'SALES' ORDER BY 2, 3;
COMMIT;
SELECT * FROM pg_temp.writes();

-- ===================================================================
-- COMMIT fails: the 25th of 40 creates is refused
-- ===================================================================
-- one request at a time: exactly 24 applied, 1 failed, 15 not sent (the
-- emulator starts again, so that the request IDs are known)
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"method": "POST", "path": "/schemas$", "skip": 24, "times": 1, "action": "status", "status": 409}');
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name)
  SELECT 'SALES', 'H' || lpad(i::text, 2, '0') FROM generate_series(1, 40) i;
COMMIT;
CALL pg_temp.emuctl('clear-faults');
-- the log agrees: 24 created and dropped again, 1 refused, 15 never sent
SELECT method, status, count(*), min(path), max(path) FROM pg_temp.writes()
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS h_schemas_left FROM pg_temp.sales WHERE name LIKE 'H%';

-- an undo that fails: listed as applied and not undone, with its error
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "POST", "path": "/schemas$", "skip": 2, "times": 1, "action": "status", "status": 409}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "path": "/schemas/U1$", "times": 1, "action": "status", "status": 403}');
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name)
  VALUES ('SALES', 'U1'), ('SALES', 'U2'), ('SALES', 'U3');
COMMIT;
CALL pg_temp.emuctl('clear-faults');
SELECT * FROM pg_temp.writes();
SELECT name FROM pg_temp.sales WHERE name LIKE 'U_' ORDER BY 1;

-- an UPDATE whose schema changed at Snowflake before COMMIT: 40001, nothing sent
BEGIN;
UPDATE defer.remote_schemas SET comment = 'mine' WHERE database_name = 'SALES' AND name = 'STAGING';
CALL pg_temp.emuctl('clear-log');
-- another client changes it meanwhile (straight to the emulator)
SET LOCAL snowfdw.defer_writes = off;
CREATE FOREIGN TABLE defer.direct (name text, comment text)
  SERVER defer_srv OPTIONS (object 'schemas', database 'SALES', defer_writes 'false');
UPDATE defer.direct SET comment = 'theirs' WHERE name = 'STAGING';
CALL pg_temp.emuctl('clear-log');
COMMIT;
SELECT * FROM pg_temp.writes();
SELECT name, comment FROM pg_temp.sales WHERE name = 'STAGING';

-- unchanged at Snowflake: COMMIT sends the PUT
BEGIN;
UPDATE defer.remote_schemas SET comment = 'mine' WHERE database_name = 'SALES' AND name = 'STAGING';
CALL pg_temp.emuctl('clear-log');
COMMIT;
SELECT * FROM pg_temp.writes();

-- ===================================================================
-- Refused cleanly
-- ===================================================================
-- PREPARE TRANSACTION with pending changes
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'P1');
PREPARE TRANSACTION 'defer_p1';
-- the functions act at once: not on an object with a pending change
BEGIN;
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name = 'STAGING';
SELECT snowfdw_clone_schema('defer_srv', 'SALES', 'STAGING', 'STAGING_COPY');
ROLLBACK;
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'STAGING_COPY');
SELECT snowfdw_clone_schema('defer_srv', 'SALES', 'STAGING', 'STAGING_COPY');
ROLLBACK;
BEGIN;
DELETE FROM defer.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'ARCHIVE';
SELECT snowfdw_presign('defer_srv', 'SALES', 'PUBLIC', 'ARCHIVE', 'x.csv');
ROLLBACK;
-- ifNotExists and orReplace depend on what exists at COMMIT: refused
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'STAGING')
  ON CONFLICT DO NOTHING;
-- the same object created twice
BEGIN;
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'P2');
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'P2');
ROLLBACK;
-- created again after its drop: refused (COMMIT sends creates first)
BEGIN;
DELETE FROM defer.remote_schemas WHERE database_name = 'SALES' AND name = 'STAGING';
INSERT INTO defer.remote_schemas (database_name, name) VALUES ('SALES', 'STAGING');
ROLLBACK;

-- the GUC: a session turns it on for a server that has it off
CREATE SERVER defer_off FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER defer_off OPTIONS (token :'pat');
CREATE FOREIGN TABLE defer.plain (database_name text, name text)
  SERVER defer_off OPTIONS (object 'schemas');
CALL pg_temp.emuctl('clear-log');
SET snowfdw.defer_writes = on;
BEGIN;
INSERT INTO defer.plain VALUES ('SALES', 'Q1');
ROLLBACK;
RESET snowfdw.defer_writes;
SELECT pg_temp.write_count() AS writes_with_guc;
-- and off (the default): at once, as before
BEGIN;
INSERT INTO defer.plain VALUES ('SALES', 'Q1');
ROLLBACK;
SELECT pg_temp.write_count() AS writes_without;

SET client_min_messages = warning;
DROP SCHEMA defer CASCADE;
DROP SERVER defer_srv CASCADE;
DROP SERVER defer_off CASCADE;
-- the account as the fixture has it, for the tests that follow
CALL pg_temp.emuctl('reset');
