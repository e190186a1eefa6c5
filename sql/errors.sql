-- Failures: retries with backoff, the status to SQLSTATE mapping, size cap
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

-- the request log with the fault the emulator injected, if any
CREATE FUNCTION pg_temp.fault_log()
RETURNS TABLE (seq int, path text, status int, fault text)
LANGUAGE sql AS $$
  SELECT (e->>'seq')::int, e->>'path', (e->>'status')::int, e->>'fault'
    FROM jsonb_array_elements((SELECT string_agg(l, E'\n')::jsonb
                                 FROM pg_temp.emu('log') l)) e
   ORDER BY 1 $$;

CREATE SERVER err_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER err_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE err_schemas (name text, database_name text)
  SERVER err_srv OPTIONS (object 'schemas');
CREATE FOREIGN TABLE err_sales (name text)
  SERVER err_srv OPTIONS (object 'schemas', database 'SALES');

-- ===================================================================
-- retries that succeed
-- ===================================================================
-- a burst of 429 with Retry-After: 0, on the same kept-alive connection
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 429, "retry_after": 0, "times": 3}');
SELECT count(*) FROM err_sales;
SELECT seq, conn, path, status FROM pg_temp.emu_requests();

-- a burst of 503 without Retry-After: jittered exponential backoff
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "times": 3}');
SELECT count(*) FROM err_sales;
SELECT seq, conn, path, status FROM pg_temp.emu_requests();

-- 504, a dropped connection and a truncated body are repeated for reads
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 504, "times": 1}');
CALL pg_temp.emuctl('fault', '{"action": "drop", "skip": 1, "times": 1}');
CALL pg_temp.emuctl('fault', '{"action": "truncate", "skip": 2, "times": 1}');
SELECT count(*) FROM err_sales;
SELECT * FROM pg_temp.fault_log();

-- a failure in one call of a fan-out is retried on its own
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "0", "path": "MARKETING", "times": 2}');
SELECT database_name, count(*) FROM err_schemas GROUP BY 1 ORDER BY 1;
SELECT path, status FROM pg_temp.emu_requests()
 WHERE path LIKE '%MARKETING%' ORDER BY seq;

-- ===================================================================
-- retries that give up: a clean error naming the attempts
-- ===================================================================
ALTER SERVER err_srv OPTIONS (ADD max_retries '2');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "0", "times": -1}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
SELECT seq, status FROM pg_temp.emu_requests();
CALL pg_temp.emuctl('clear-faults');

-- a Retry-After beyond retry_max_time fails at once instead of waiting
ALTER SERVER err_srv OPTIONS (ADD retry_max_time '5');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 429, "retry_after": "3600", "times": -1}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
SELECT seq, status FROM pg_temp.emu_requests();
CALL pg_temp.emuctl('clear-faults');

-- without server options, the GUCs apply
ALTER SERVER err_srv OPTIONS (DROP max_retries, DROP retry_max_time);
SET snowfdw.max_retries = 1;
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 504, "retry_after": "0", "times": -1}');
-- should fail
SELECT count(*) FROM err_sales;
SELECT seq, status FROM pg_temp.emu_requests();
CALL pg_temp.emuctl('clear-faults');
SET snowfdw.max_retries = 0;
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "drop", "times": 1}');
\set VERBOSITY terse
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT * FROM pg_temp.fault_log();
RESET snowfdw.max_retries;
-- should fail
SET snowfdw.max_retries = -1;

-- ===================================================================
-- writes: repeated only where that cannot change the outcome
-- ===================================================================
CREATE FOREIGN TABLE err_write (database_name text, name text, comment text)
  SERVER err_srv OPTIONS (object 'schemas');
ALTER SERVER err_srv OPTIONS (ADD max_retries '3');
SET snowfdw.create_mode = 'errorIfExists';
CALL pg_temp.emuctl('clear-log');
-- 503: Snowflake did not act, so even a create is sent again
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "0", "method": "POST", "times": 2}');
INSERT INTO err_write VALUES ('SALES', 'WRITE_ONE', 'created after two 503');
-- 504 and a lost answer: the create may have happened, and sending it again
-- could turn success into "already exists"
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 504, "retry_after": "0", "method": "POST", "times": 1}');
-- should fail
INSERT INTO err_write VALUES ('SALES', 'WRITE_TWO', 'maybe created');
CALL pg_temp.emuctl('fault', '{"action": "drop", "method": "POST", "times": 1}');
\set VERBOSITY terse
-- should fail
INSERT INTO err_write VALUES ('SALES', 'WRITE_THREE', 'created, answer lost');
\set VERBOSITY default
-- with ifNotExists a second create changes nothing: repeated
SET snowfdw.create_mode = 'ifNotExists';
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 504, "retry_after": "0", "method": "POST", "times": 1}');
INSERT INTO err_write VALUES ('SALES', 'WRITE_FOUR', 'created after a 504');
RESET snowfdw.create_mode;
SELECT seq, method, path, query, status, fault FROM pg_temp.fault_log()
  NATURAL JOIN pg_temp.emu_requests() ORDER BY seq;
-- the lost answer hid a create that did happen
SELECT name, comment FROM err_write
 WHERE database_name = 'SALES' AND name LIKE 'WRITE%' ORDER BY name;
ALTER SERVER err_srv OPTIONS (DROP max_retries);

-- ===================================================================
-- HTTP status and Snowflake code to SQLSTATE
-- ===================================================================
-- 400: invalid parameter value
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 400, "code": "000400", "message": "Invalid query parameter."}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- 403: insufficient privilege, with a hint
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 403, "code": "003001", "message": "Insufficient privileges to operate on database SALES."}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- 404: undefined object where the table names the scope ...
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 404, "code": "002003", "message": "Database SALES does not exist or not authorized."}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- ... and no rows where the WHERE clause names it
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 404, "code": "002003", "message": "Database SALES does not exist or not authorized."}');
SELECT count(*) FROM err_schemas WHERE database_name = 'SALES';
-- a Snowflake "does not exist" code on a 400 is an undefined object too
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 400, "code": "002003", "message": "Object does not exist, or operation cannot be performed."}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- 409: duplicate object
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 409, "code": "002002", "message": "Object already exists."}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- 405: feature not supported
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 405}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- 500 is not repeated: connection failure at once
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 500}');
-- should fail
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
SELECT seq, status FROM pg_temp.emu_requests();
-- control characters in Snowflake's message are not passed on
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 401, "message": "line one\nline two"}');
-- should fail
SELECT count(*) FROM err_sales;

-- ===================================================================
-- response size cap
-- ===================================================================
-- a listing is streamed: the cap bounds one element, not the whole body
ALTER SERVER err_srv OPTIONS (ADD max_response_size '2000');
SELECT count(*) FROM err_sales;
-- should fail: every schema object is larger than 100 bytes
ALTER SERVER err_srv OPTIONS (SET max_response_size '100');
SELECT count(*) FROM err_sales;
\echo :LAST_ERROR_SQLSTATE
-- should fail: a fetched object is one body, capped as a whole
SELECT count(*) FROM err_sales WHERE name = 'PUBLIC';
ALTER SERVER err_srv OPTIONS (SET max_response_size '2000');
-- a response within the cap is fine
SELECT count(*) FROM err_sales WHERE name = 'PUBLIC';
-- should fail
ALTER SERVER err_srv OPTIONS (SET max_response_size '0');

-- ===================================================================
-- errors caught in subtransactions: a 503 (the error is noted as its
-- handler runs, and counted once the next request is), a conversion error
-- and a reader that stops mid-stream (its transfer ends with the
-- subtransaction); the transaction goes on with no transfer open
-- ===================================================================
CREATE SERVER err_sub FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '3', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER err_sub OPTIONS (token :'pat');
CREATE FOREIGN TABLE err_sub_schemas (name text, database_name text)
  SERVER err_sub OPTIONS (object 'schemas');
-- every name fails as an integer
CREATE FOREIGN TABLE err_sub_int (name int, database_name text)
  SERVER err_sub OPTIONS (object 'schemas');
SELECT snowfdw_stats_reset();
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "times": 1, "action": "status", "status": 503}');
DO $$
DECLARE
  r record;
  caught text[] := '{}';
BEGIN
  FOR i IN 1..2 LOOP
    BEGIN
      PERFORM * FROM err_sub_int WHERE database_name = 'SALES';
    EXCEPTION WHEN OTHERS THEN
      caught := caught || SQLSTATE;
    END;
    BEGIN
      FOR r IN SELECT name FROM err_sub_schemas WHERE database_name = 'SALES' LOOP
        RAISE EXCEPTION 'stopped after one row';
      END LOOP;
    EXCEPTION WHEN raise_exception THEN
      caught := caught || SQLSTATE;
    END;
  END LOOP;
  RAISE NOTICE 'caught %, % transfers open', caught,
    current_setting('snowfdw.open_transfers');
END $$;
SELECT requests, errors FROM snowfdw_stats WHERE server_name = 'err_sub';

-- ===================================================================
-- cleanup
-- ===================================================================
SET client_min_messages = warning;
DROP SERVER err_sub CASCADE;
DROP SERVER err_srv CASCADE;
