-- Pipelined writes: up to max_concurrency calls of one statement in flight,
-- failures that list exactly what was done, and pipeline_writes off for one
-- call at a time
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER pipe_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER pipe_srv OPTIONS (token :'pat');
CREATE SCHEMA pipe;
CREATE FOREIGN TABLE pipe.schemas (database_name text, name text, comment text)
  SERVER pipe_srv OPTIONS (object 'schemas');
CREATE FOREIGN TABLE pipe.schemas_serial (database_name text, name text, comment text)
  SERVER pipe_srv OPTIONS (object 'schemas', pipeline_writes 'false');
SET snowfdw.max_concurrency = 8;

-- the request log (snap, writes), catch and listed
\i :testdir/write_helpers.sql
-- the most requests the emulator answered at once since the log was cleared
CREATE FUNCTION pg_temp.max_in_flight() RETURNS int
LANGUAGE sql AS $$ SELECT n::int FROM pg_temp.emu('concurrency') n $$;
-- whether every PUT of the log came after a GET of its object
CREATE FUNCTION pg_temp.fetch_before_put() RETURNS bool
LANGUAGE sql AS $$
  SELECT bool_and(g.seq < p.seq)
    FROM snap p
    JOIN snap g ON g.method = 'GET' AND g.path = p.path
   WHERE p.method = 'PUT'
$$;

-- ===================================================================
-- INSERT of 40 rows: a batch, up to 8 creates in flight
-- ===================================================================
CALL pg_temp.emuctl('fault', '{"method": "POST", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('clear-log');
INSERT INTO pipe.schemas (database_name, name, comment)
  SELECT 'EMPTY_DB', 'P_' || g, 'row ' || g FROM generate_series(1, 40) g;
CALL pg_temp.snap();
-- 40 creates, all done, overlapping but never more than max_concurrency
SELECT count(*) AS creates, count(*) FILTER (WHERE status = 200) AS ok,
       count(DISTINCT object) AS objects
  FROM pg_temp.writes();
SELECT pg_temp.max_in_flight() BETWEEN 2 AND 8 AS overlapped;
SELECT count(*) FROM pipe.schemas
  WHERE database_name = 'EMPTY_DB' AND name LIKE 'P\_%' AND comment LIKE 'row %';

-- pipeline_writes off (table option): one create after the other, in row order
CALL pg_temp.emuctl('clear-log');
INSERT INTO pipe.schemas_serial (database_name, name)
  SELECT 'EMPTY_DB', 'Q_' || g FROM generate_series(1, 6) g;
CALL pg_temp.snap();
SELECT method, object, status FROM pg_temp.writes();
SELECT pg_temp.max_in_flight() AS max_in_flight;
-- the GUC does the same
SET snowfdw.pipeline_writes = off;
CALL pg_temp.emuctl('clear-log');
INSERT INTO pipe.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'R_' || g FROM generate_series(1, 4) g;
CALL pg_temp.snap();
SELECT method, object, status FROM pg_temp.writes();
SELECT pg_temp.max_in_flight() AS max_in_flight;
RESET snowfdw.pipeline_writes;
-- max_concurrency 1 is one at a time too
SET snowfdw.max_concurrency = 1;
CALL pg_temp.emuctl('clear-log');
DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'R\_%';
CALL pg_temp.snap();
SELECT method, object, status FROM pg_temp.writes();
SELECT pg_temp.max_in_flight() AS max_in_flight;
SET snowfdw.max_concurrency = 8;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- ON CONFLICT DO NOTHING and RETURNING
-- ===================================================================
-- two of the ten exist: ifNotExists leaves them, and they are not counted
INSERT INTO pipe.schemas (database_name, name)
  VALUES ('EMPTY_DB', 'C_3'), ('EMPTY_DB', 'C_7');
CALL pg_temp.emuctl('clear-log');
INSERT INTO pipe.schemas (database_name, name, comment)
  SELECT 'EMPTY_DB', 'C_' || g, 'new' FROM generate_series(1, 10) g
  ON CONFLICT DO NOTHING;
CALL pg_temp.snap();
SELECT count(*) AS creates, min(query) AS query FROM snap
  WHERE method = 'POST';
SELECT name, comment FROM pipe.schemas
  WHERE database_name = 'EMPTY_DB' AND name LIKE 'C\_%' ORDER BY name COLLATE "C";

-- INSERT RETURNING: one row at a time, each with what Snowflake set
CALL pg_temp.emuctl('clear-log');
INSERT INTO pipe.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'T_' || g FROM generate_series(1, 3) g
  RETURNING name, comment;
CALL pg_temp.snap();
SELECT method, object, status FROM pg_temp.writes();
-- DELETE RETURNING is pipelined: the rows as scanned
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('clear-log');
WITH d AS (
  DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'C\_%'
  RETURNING name, comment)
SELECT name, comment FROM d ORDER BY name COLLATE "C";
CALL pg_temp.snap();
SELECT count(*) AS drops FROM pg_temp.writes();
SELECT pg_temp.max_in_flight() BETWEEN 2 AND 8 AS overlapped;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- DELETE of 20 named by IN, UPDATE of 10: GET then PUT per row
-- ===================================================================
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('clear-log');
DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB'
  AND name IN (SELECT 'P_' || g FROM generate_series(1, 20) g);
CALL pg_temp.snap();
SELECT count(*) AS drops, count(DISTINCT object) AS objects,
       count(*) FILTER (WHERE status = 200) AS ok
  FROM pg_temp.writes();
SELECT pg_temp.max_in_flight() BETWEEN 2 AND 8 AS overlapped;
CALL pg_temp.emuctl('clear-faults');

CALL pg_temp.emuctl('fault', '{"method": "PUT", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('clear-log');
UPDATE pipe.schemas SET comment = 'updated ' || name
  WHERE database_name = 'EMPTY_DB'
    AND name IN (SELECT 'P_' || g FROM generate_series(21, 30) g);
CALL pg_temp.snap();
-- each PUT follows the GET of its schema
SELECT count(*) FILTER (WHERE method = 'GET' AND path LIKE '%/schemas/P\_%') AS fetches,
       count(*) FILTER (WHERE method = 'PUT') AS puts
  FROM snap;
SELECT pg_temp.fetch_before_put();
SELECT pg_temp.max_in_flight() BETWEEN 2 AND 8 AS overlapped;
SELECT count(*) FROM pipe.schemas
  WHERE database_name = 'EMPTY_DB' AND comment = 'updated ' || name;
CALL pg_temp.emuctl('clear-faults');

-- UPDATE of schemas named by IN: the scan fetches each definition, and each
-- PUT is still built from a GET of its own right before it (a change made
-- at Snowflake since the scan survives: write_report.sql), 10 scan GETs,
-- 10 GETs and 10 PUTs.  The narrow table does not know
-- data_retention_time_in_days: the PUT keeps what the GET fetched.
CREATE FOREIGN TABLE pipe.schemas_wide (database_name text, name text,
  comment text, data_retention_time_in_days int)
  SERVER pipe_srv OPTIONS (object 'schemas');
INSERT INTO pipe.schemas_wide (database_name, name, data_retention_time_in_days)
  SELECT 'EMPTY_DB', 'R_' || g, g FROM generate_series(1, 10) g;
CALL pg_temp.emuctl('fault', '{"method": "PUT", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('clear-log');
UPDATE pipe.schemas SET comment = 'fetched ' || name
  WHERE database_name = 'EMPTY_DB'
    AND name IN ('R_1', 'R_2', 'R_3', 'R_4', 'R_5', 'R_6', 'R_7', 'R_8', 'R_9', 'R_10');
CALL pg_temp.snap();
SELECT count(*) FILTER (WHERE method = 'GET') AS fetches,
       count(DISTINCT path) FILTER (WHERE method = 'GET') AS objects,
       count(*) FILTER (WHERE method = 'PUT') AS puts
  FROM snap;
SELECT pg_temp.fetch_before_put();
SELECT pg_temp.max_in_flight() BETWEEN 2 AND 8 AS overlapped;
SELECT name, comment, data_retention_time_in_days FROM pipe.schemas_wide
  WHERE database_name = 'EMPTY_DB' AND name LIKE 'R\_%' ORDER BY data_retention_time_in_days;
-- one at a time (pipeline_writes off): the GET before each PUT as before
CALL pg_temp.emuctl('clear-log');
UPDATE pipe.schemas_serial SET comment = 'serial ' || name
  WHERE database_name = 'EMPTY_DB' AND name IN ('R_1', 'R_2');
CALL pg_temp.snap();
SELECT regexp_replace(p.path, '.*/', '') AS object, count(*) AS fetches_before_put
  FROM snap p
  JOIN snap g ON g.method = 'GET' AND g.path = p.path AND g.seq < p.seq
 WHERE p.method = 'PUT'
 GROUP BY p.path ORDER BY 1;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- A failure in the middle of 40 rows lists exactly what was done
-- ===================================================================
-- errorIfExists on an existing name: 409.  The failing row goes to another
-- database, whose creates answer at once, while the others take 300 ms: the
-- failure is seen before any row sent after it has ended.  The creates in
-- flight then end before the error is raised.
INSERT INTO pipe.schemas (database_name, name) VALUES ('SALES', 'F_20');
CALL pg_temp.emuctl('fault', '{"method": "POST", "path": "/EMPTY_DB/", "times": -1, "action": "latency", "ms": 300}');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.catch($$INSERT INTO pipe.schemas (database_name, name)
  SELECT CASE WHEN g = 20 THEN 'SALES' ELSE 'EMPTY_DB' END, 'F_' || g
    FROM generate_series(1, 40) g$$);
CALL pg_temp.snap();
SELECT sqlstate, message, detail LIKE 'Snowflake error code 002002, request ID %. Snowflake schemas this statement already created, which ROLLBACK does not remove: EMPTY\_DB.F\_1, EMPTY\_DB.F\_2, %' AS detail_ok
  FROM caught;
-- listed = created in the log: rows 1 to 19 and those sent with row 20;
-- nothing sent after the failure was seen (at most 7 were in flight with it)
SELECT (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) =
       (SELECT array_agg(object ORDER BY object) FROM pg_temp.writes() WHERE status = 200)
         AS listed_is_created,
       (SELECT count(*) FROM pg_temp.writes()
         WHERE status = 200 AND object ~ '^EMPTY_DB\.F_(1?[0-9])$') AS rows_before,
       (SELECT array_agg(object) FROM pg_temp.writes() WHERE status <> 200) AS failed,
       (SELECT max(substring(object FROM '_([0-9]+)$')::int) FROM pg_temp.writes()) <= 27
         AS nothing_after;
SELECT count(*) FROM pg_temp.listed('unknown');
-- what Snowflake has is what the error said
SELECT (SELECT array_agg(database_name || '.' || name ORDER BY database_name || '.' || name)
          FROM pipe.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'F\_%') =
       (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) AS listed_is_there;
DELETE FROM pipe.schemas WHERE database_name IN ('EMPTY_DB', 'SALES') AND name LIKE 'F\_%';
CALL pg_temp.emuctl('clear-faults');

-- a 500 at once for the 20th create to arrive, which is not repeated (the
-- first rule that matches acts); the others take 300 ms.  A 500 may come
-- after the work was done: that create is listed as of unknown outcome
CALL pg_temp.emuctl('fault', '{"method": "POST", "skip": 19, "times": 1, "action": "status", "status": 500, "message": "Internal error."}');
CALL pg_temp.emuctl('fault', '{"method": "POST", "times": -1, "action": "latency", "ms": 300}');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.catch($$INSERT INTO pipe.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'F_' || g FROM generate_series(1, 40) g$$);
CALL pg_temp.snap();
SELECT sqlstate, message FROM caught;
SELECT (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) =
       (SELECT array_agg(object ORDER BY object) FROM pg_temp.writes() WHERE status = 200)
         AS listed_is_created,
       (SELECT count(*) FROM pg_temp.writes() WHERE status = 500) AS failed,
       (SELECT count(*) FROM pg_temp.writes()) <= 27 AS nothing_after;
SELECT (SELECT array_agg(x) FROM pg_temp.listed('unknown') x) =
       (SELECT array_agg(object) FROM pg_temp.writes() WHERE status = 500)
         AS unknown_is_the_500;
DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'F\_%';
CALL pg_temp.emuctl('clear-faults');

-- two creates that get no answer in time: the first fails the statement,
-- and its hint says it may have been carried out; both, that one and the
-- other, in flight then, are listed as of unknown outcome
ALTER SERVER pipe_srv OPTIONS (ADD request_timeout '1');
CALL pg_temp.emuctl('fault', '{"method": "POST", "skip": 9, "times": 2, "action": "hang", "seconds": 3}');
CALL pg_temp.emuctl('fault', '{"method": "POST", "times": -1, "action": "latency", "ms": 30}');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.catch($$INSERT INTO pipe.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'F_' || g FROM generate_series(1, 40) g$$);
CALL pg_temp.snap();
SELECT sqlstate, message FROM caught;
SELECT (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) =
       (SELECT array_agg(object ORDER BY object) FROM pg_temp.writes() WHERE status = 200)
         AS listed_is_created,
       (SELECT count(*) FROM pg_temp.listed('unknown')) AS unknown,
       (SELECT bool_and(x IN (SELECT object FROM pg_temp.writes() WHERE status = 0))
          FROM pg_temp.listed('unknown') x) AS unknown_is_unanswered;
DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'F\_%';
ALTER SERVER pipe_srv OPTIONS (DROP request_timeout);
CALL pg_temp.emuctl('clear-faults');

-- a DELETE that fails half way: the drops that ended are listed
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "skip": 9, "times": 1, "action": "status", "status": 500, "message": "Internal error."}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 300}');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.catch($$DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'P\_%'$$);
CALL pg_temp.snap();
SELECT sqlstate, message FROM caught;
SELECT (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) =
       (SELECT array_agg(object ORDER BY object) FROM pg_temp.writes() WHERE status = 200)
         AS listed_is_dropped,
       (SELECT count(*) FROM pg_temp.writes()) <= 17 AS nothing_after;
CALL pg_temp.emuctl('clear-faults');

-- an UPDATE of schemas named by IN that fails at its fifth PUT: the PUTs
-- that ended are listed as altered, and Snowflake has exactly those; each
-- PUT sent followed two GETs of its schema, the scan's and its own
CALL pg_temp.emuctl('fault', '{"method": "PUT", "skip": 4, "times": 1, "action": "status", "status": 500, "message": "Internal error."}');
CALL pg_temp.emuctl('fault', '{"method": "PUT", "times": -1, "action": "latency", "ms": 300}');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.catch($$UPDATE pipe.schemas SET comment = 'half way'
  WHERE database_name = 'EMPTY_DB'
    AND name IN ('R_1', 'R_2', 'R_3', 'R_4', 'R_5', 'R_6', 'R_7', 'R_8', 'R_9', 'R_10')$$);
CALL pg_temp.snap();
SELECT sqlstate, message, detail LIKE '%Snowflake schemas this statement already altered, which ROLLBACK does not undo: %' AS detail_ok
  FROM caught;
SELECT (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) =
       (SELECT array_agg(object ORDER BY object) FROM pg_temp.writes() WHERE status = 200)
         AS listed_is_altered,
       (SELECT count(*) FROM pg_temp.writes() WHERE status = 500) AS failed,
       (SELECT count(*) FROM pg_temp.writes()) <= 12 AS nothing_after,
       (SELECT bool_and(n = 2) FROM
          (SELECT count(*) AS n FROM snap p
             JOIN snap g ON g.method = 'GET' AND g.path = p.path AND g.seq < p.seq
            WHERE p.method = 'PUT' GROUP BY p.seq) f) AS two_fetches_each;
SELECT (SELECT array_agg('EMPTY_DB.' || name ORDER BY 'EMPTY_DB.' || name) FROM pipe.schemas
         WHERE database_name = 'EMPTY_DB' AND comment = 'half way') =
       (SELECT array_agg(x ORDER BY x) FROM pg_temp.listed('done') x) AS listed_is_there;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- COPY FROM goes through the same batches
-- ===================================================================
CALL pg_temp.emuctl('fault', '{"method": "POST", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('clear-log');
COPY pipe.schemas (database_name, name, comment) FROM STDIN;
EMPTY_DB	COPY_1	copied
EMPTY_DB	COPY_2	copied
EMPTY_DB	COPY_3	copied
EMPTY_DB	COPY_4	copied
EMPTY_DB	COPY_5	copied
EMPTY_DB	COPY_6	copied
\.
CALL pg_temp.snap();
SELECT count(*) AS creates, count(*) FILTER (WHERE status = 200) AS ok FROM pg_temp.writes();
-- COPY hands rows to foreign tables in batches from PostgreSQL 16 on; 15's
-- COPY inserts one row at a time, so its creates never overlap
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000
            THEN pg_temp.max_in_flight() BETWEEN 2 AND 8
            ELSE pg_temp.max_in_flight() = 1 END AS overlapped_from_16;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- Cancel and statement_timeout mid-pipeline leave no transfer
-- ===================================================================
CALL pg_temp.emuctl('fault', '{"method": "POST", "times": -1, "action": "latency", "ms": 400}');
CALL pg_temp.emuctl('clear-log');
SET statement_timeout = '600ms';
\set VERBOSITY terse
-- should fail: canceled with creates in flight
INSERT INTO pipe.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'K_' || g FROM generate_series(1, 40) g;
\set VERBOSITY default
RESET statement_timeout;
SHOW snowfdw.open_transfers;
-- the error lists the creates that ended as done, those cut short as of
-- unknown outcome (the emulator carries them out after its delay)
CALL pg_temp.emuctl('clear-log');
SET statement_timeout = '600ms';
CALL pg_temp.catch($$INSERT INTO pipe.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'L_' || g FROM generate_series(1, 40) g$$);
RESET statement_timeout;
SELECT pg_sleep(0.6);
CALL pg_temp.snap();
SELECT sqlstate, message FROM caught;
SELECT (SELECT count(*) FROM pg_temp.listed('unknown')) > 0 AS some_cut_short,
       (SELECT array_agg(x ORDER BY x) FROM
          (SELECT x FROM pg_temp.listed('done') x
           UNION ALL SELECT x FROM pg_temp.listed('unknown') x) u) =
       (SELECT array_agg(object ORDER BY object) FROM pg_temp.writes())
         AS every_create_listed;
SHOW snowfdw.open_transfers;
CALL pg_temp.emuctl('clear-faults');
-- the next statement works
SELECT count(*) > 0 AS listed FROM pipe.schemas WHERE database_name = 'EMPTY_DB';

-- clean up
DELETE FROM pipe.schemas WHERE database_name = 'EMPTY_DB';
DROP SCHEMA pipe CASCADE;
DROP SERVER pipe_srv CASCADE;
