-- Cancel and statement_timeout stop transfers, 202 polling and backoff sleeps
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER cancel_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER cancel_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE cancel_schemas (name text)
  SERVER cancel_srv OPTIONS (object 'schemas', database 'SALES');

-- Each case below would run for minutes; the statement must end at its 1 s
-- timeout, not when the emulator would have let it.  Where the emulator can
-- tell (a body sent whole or not, a hang over or not when the statement had
-- returned), that is what is checked; the 202 poll loop and the backoff
-- sleep are still timed, with a generous second.  Only the outcome is
-- printed.

-- ===================================================================
-- a response that trickles in, one byte every 100 ms
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "drip", "bytes": 1, "interval_ms": 100}');
SET statement_timeout = '1s';
-- should fail
SELECT count(*) FROM cancel_schemas;
RESET statement_timeout;
-- the emulator never sent the whole body: the transfer was cut short
SELECT bool_and(e->>'bytes_sent' IS NULL OR (e->>'bytes_sent')::int < (e->>'bytes_total')::int) AS cut_short
  FROM pg_temp.emu_log_entries() e WHERE e->>'fault' = 'drip';
-- the session works again, on a new connection
SELECT count(*) FROM cancel_schemas;
SELECT seq, conn, status FROM pg_temp.emu_requests();

-- ===================================================================
-- a request that never gets an answer
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "hang", "seconds": 60}');
SET statement_timeout = '1s';
-- should fail
SELECT count(*) FROM cancel_schemas;
RESET statement_timeout;
-- the hang was not over when the statement had returned
SELECT pg_temp.emu_mark() AS returned \gset
SELECT bool_and(e->>'answered' IS NULL OR (e->>'answered')::int > :returned) AS before_the_hang_ended
  FROM pg_temp.emu_log_entries() e WHERE e->>'fault' = 'hang';

-- ===================================================================
-- a 202 Accepted that never finishes: the poll loop
-- ===================================================================
-- first a 202 that finishes after three polls
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "async", "polls": 3}');
SELECT count(*) FROM cancel_schemas;
SELECT seq, conn, path, status FROM pg_temp.emu_requests();
-- then one that never does
CALL pg_temp.emuctl('fault', '{"action": "async", "polls": -1}');
SET statement_timeout = '1s';
SELECT clock_timestamp() AS started \gset
-- should fail
SELECT count(*) FROM cancel_schemas;
RESET statement_timeout;
SELECT clock_timestamp() - :'started'::timestamptz < interval '2 s' AS prompt;
-- without a statement_timeout, poll_timeout ends it with an error
ALTER SERVER cancel_srv OPTIONS (ADD poll_timeout '0.5');
CALL pg_temp.emuctl('fault', '{"action": "async", "polls": -1}');
\set VERBOSITY terse
-- should fail
SELECT count(*) FROM cancel_schemas;
\set VERBOSITY default
ALTER SERVER cancel_srv OPTIONS (DROP poll_timeout);

-- ===================================================================
-- a backoff sleep: Retry-After asks for 30 s
-- ===================================================================
ALTER SERVER cancel_srv OPTIONS (ADD retry_max_time '300');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "30"}');
SET statement_timeout = '1s';
SELECT clock_timestamp() AS started \gset
-- should fail
SELECT count(*) FROM cancel_schemas;
RESET statement_timeout;
SELECT clock_timestamp() - :'started'::timestamptz < interval '2 s' AS prompt;
-- one request: the sleep was cut, not the next attempt (its number in the
-- log is not shown: how many polls the 202 cases above made in their
-- second depends on the machine's speed)
SELECT status FROM pg_temp.emu_requests();

-- the same inside a transaction block: the next statement sees an aborted
-- transaction, and the session works after ROLLBACK
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "30"}');
BEGIN;
SET LOCAL statement_timeout = '1s';
-- should fail
SELECT count(*) FROM cancel_schemas;
ROLLBACK;
SELECT count(*) FROM cancel_schemas;
SELECT server_name, valid FROM snowfdw_get_connections();

-- ===================================================================
-- cleanup
-- ===================================================================
SET client_min_messages = warning;
DROP SERVER cancel_srv CASCADE;
