-- Listings are read while they arrive: the array is split into elements
-- whatever pieces the bytes come in, faults stay errors, and a scan that
-- stops early abandons the rest of the transfer.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

-- the request log with the body bytes the emulator managed to send
CREATE FUNCTION pg_temp.sent_log()
RETURNS TABLE (seq int, conn int, path text, status int, fault text, sent int, total int)
LANGUAGE sql AS $$
  SELECT (e->>'seq')::int, (e->>'conn')::int, e->>'path', (e->>'status')::int,
         e->>'fault', (e->>'bytes_sent')::int, (e->>'bytes_total')::int
    FROM jsonb_array_elements((SELECT string_agg(l, E'\n')::jsonb
                                 FROM pg_temp.emu('log') l)) e
   ORDER BY 1 $$;

CREATE SERVER st_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER st_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE st_stages (name text, comment text, kind text,
  directory_table jsonb, created_on timestamptz)
  SERVER st_srv OPTIONS (object 'stages', database 'SALES', schema 'PUBLIC');
CREATE FOREIGN TABLE st_schemas (name text, retention_time int)
  SERVER st_srv OPTIONS (object 'schemas', database 'SALES');

-- ===================================================================
-- the same body in any chunking gives the same rows
-- ===================================================================
-- strings with escaped quotes and backslashes, \u escapes (also a surrogate
-- pair), numbers, nested objects and arrays with brackets inside strings,
-- and blank lines between elements
\set body '[\n  {"name": "A\\"Q", "comment": "back\\\\slash caf\\u00e9 \\ud83d\\ude00 ]},[{", "kind": "INTERNAL", "directory_table": {"enable": true, "x": [1, -2.50e+3, {"y": ["]", "}", 0]}]}, "created_on": "2024-03-12T10:00:00.000+00:00"}\n\n , \t{"name": "B", "comment": null, "kind": "EXTERNAL", "directory_table": {}, "created_on": "2024-03-13T10:00:00.000+00:00"},{"name":"C","kind":"INTERNAL","directory_table":{"n":[[[]]]},"created_on":"2024-03-14T10:00:00.000+00:00"}\n]\n'
SET snowfdw_test.body = :'body';
CALL pg_temp.emuctl('fault', json_build_object('action', 'malformed', 'path', '/stages$',
                                               'body', current_setting('snowfdw_test.body'))::text);
CREATE TEMP TABLE ref AS SELECT * FROM st_stages;
SELECT name, comment, kind, directory_table, created_on FROM ref ORDER BY name;

-- read_in_chunks(n): the body dripped n bytes at a time; rows equal to ref?
CREATE FUNCTION pg_temp.read_in_chunks(n int)
RETURNS TABLE (rows bigint, identical boolean)
LANGUAGE plpgsql AS $$
BEGIN
  CALL pg_temp.emuctl('fault', json_build_object('action', 'drip', 'path', '/stages$',
       'bytes', n, 'interval_ms', 1, 'body', current_setting('snowfdw_test.body'))::text);
  CREATE TEMP TABLE got AS SELECT * FROM st_stages;
  RETURN QUERY
    SELECT (SELECT count(*) FROM got),
           NOT EXISTS (SELECT * FROM got EXCEPT ALL SELECT * FROM ref) AND
           NOT EXISTS (SELECT * FROM ref EXCEPT ALL SELECT * FROM got);
  DROP TABLE got;
END $$;
-- (one statement each: within a statement, the same request is answered once)
SELECT 1 AS chunk_bytes, * FROM pg_temp.read_in_chunks(1);
SELECT 2 AS chunk_bytes, * FROM pg_temp.read_in_chunks(2);
SELECT 3 AS chunk_bytes, * FROM pg_temp.read_in_chunks(3);
SELECT 7 AS chunk_bytes, * FROM pg_temp.read_in_chunks(7);
SELECT 64 AS chunk_bytes, * FROM pg_temp.read_in_chunks(64);
SELECT count(*) AS dripped_requests, bool_and(sent = total) AS all_sent
  FROM pg_temp.sent_log() WHERE fault = 'drip';

-- ===================================================================
-- bodies at the edges of the grammar
-- ===================================================================
CREATE FUNCTION pg_temp.with_body(body text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  CALL pg_temp.emuctl('clear-faults');
  CALL pg_temp.emuctl('fault', json_build_object('action', 'malformed', 'path', '/stages$',
                                                 'body', body)::text);
END $$;
SELECT pg_temp.with_body('[]');
SELECT count(*) FROM st_stages;
SELECT pg_temp.with_body(E' \n[ \r\n\t ] \n');
SELECT count(*) FROM st_stages;
SELECT pg_temp.with_body(E'[{"name":"X"}\n,\n{"name":"Y"}]');
SELECT name FROM st_stages ORDER BY name;
-- should fail: an element that is not an object
SELECT pg_temp.with_body('[{"name":"X"}, 42]');
SELECT name FROM st_stages;
-- should fail: an object where an array belongs
SELECT pg_temp.with_body('{"name":"X"}');
SELECT name FROM st_stages;
-- should fail: a string where an array belongs
SELECT pg_temp.with_body('"[]"');
SELECT name FROM st_stages;
-- should fail: text after the array
SELECT pg_temp.with_body('[{"name":"X"}] []');
SELECT name FROM st_stages;
-- should fail: an element cut short before the array ends
SELECT pg_temp.with_body('[{"name":"X"}, {"name":"Y"');
SELECT name FROM st_stages;
-- should fail: a trailing comma
SELECT pg_temp.with_body('[{"name":"X"},]');
SELECT name FROM st_stages;
-- should fail: a malformed element after good ones
SELECT pg_temp.with_body('[{"name":"X"}, {"name":"Y",}]');
SELECT name FROM st_stages;
-- should fail: \u0000 cannot become text; nothing is cut short in silence
SELECT pg_temp.with_body('[{"name":"A\u0000B", "kind": "INTERNAL"}]');
SELECT name FROM st_stages;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.with_body('[{"name":"X", "comment": "ok", "directory_table": {"note": "a\u0000"}}]');
SELECT name FROM st_stages;
-- an error body with \u0000 still reports the HTTP error, quoting the body
CALL pg_temp.emuctl('clear-faults');
CALL pg_temp.emuctl('fault', '{"action": "status", "path": "/stages$", "status": 400, "code": "000400", "message": "bad\u0000value"}');
SELECT name FROM st_stages;
-- should fail: a response header with a zero byte is refused, not cut short
SET snowfdw.max_retries = 0;
CALL pg_temp.emuctl('fault', '{"action": "header", "path": "/stages$", "name": "X-Snowflake-Request-ID", "value": "abc\u0000def"}');
-- (terse: the detail is libcurl's own text, worded differently by libcurl 8)
\set VERBOSITY terse
SELECT name FROM st_stages;
\set VERBOSITY default
RESET snowfdw.max_retries;
-- an escaped backslash before u0000 is plain text
SELECT pg_temp.with_body('[{"name":"X", "comment": "a\\u0000"}]');
SELECT name, comment FROM st_stages;
-- the size cap bounds one element
ALTER SERVER st_srv OPTIONS (ADD max_response_size '40');
SELECT pg_temp.with_body('[{"name":"X"},{"name":"Y"},{"name":"Z"},{"name":"W"}]');
SELECT count(*) FROM st_stages;
-- should fail
SELECT pg_temp.with_body('[{"name":"X"},{"name":"Y", "comment": "far more than forty bytes of text"}]');
SELECT name FROM st_stages;
ALTER SERVER st_srv OPTIONS (DROP max_response_size);
CALL pg_temp.emuctl('clear-faults');

-- HTTP dates become the same timestamptz whether they take the fast path
-- (canonical form) or timestamptz input (anything else)
CREATE FOREIGN TABLE st_files (name text, last_modified timestamptz)
  SERVER st_srv OPTIONS (object 'stage_files', database 'SALES', schema 'PUBLIC', stage 'RAW');
CALL pg_temp.emuctl('clear-faults');
CALL pg_temp.emuctl('fault', json_build_object('action', 'malformed', 'path', '/files$', 'body',
  '[{"name":"a","last_modified":"Tue, 12 Mar 2024 10:00:00 GMT"},
    {"name":"b","last_modified":"Thu, 29 Feb 2024 23:59:59 GMT"},
    {"name":"c","last_modified":"tue, 12 Mar 2024 10:00:00 GMT"},
    {"name":"d","last_modified":"Thu, 01 Jan 1970 00:00:00 GMT"},
    {"name":"e","last_modified":"Mon, 12 Mar 2024 10:00:00 GMT"},
    {"name":"f","last_modified":"2024-03-12T10:00:00Z"}]')::text);
SELECT f.name, f.last_modified = v.t::timestamptz AS same, f.last_modified
  FROM st_files f JOIN (VALUES ('a', 'Tue, 12 Mar 2024 10:00:00 GMT'),
                               ('b', 'Thu, 29 Feb 2024 23:59:59 GMT'),
                               ('c', 'tue, 12 Mar 2024 10:00:00 GMT'),
                               ('d', 'Thu, 01 Jan 1970 00:00:00 GMT'),
                               ('e', 'Mon, 12 Mar 2024 10:00:00 GMT'),
                               ('f', '2024-03-12T10:00:00Z')) v(n, t) ON f.name = v.n
 ORDER BY 1;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- a transfer that fails midway
-- ===================================================================
-- should fail: dropped after half the body, with no retry allowed: an error,
-- never the rows of the first half alone
SET snowfdw.max_retries = 0;
CALL pg_temp.emuctl('fault', '{"action": "drop", "path": "/schemas$", "times": 1}');
-- (terse: the detail is libcurl's own text, worded differently by libcurl 8)
\set VERBOSITY terse
SELECT name FROM st_schemas;
\set VERBOSITY default
RESET snowfdw.max_retries;
-- a retry starts over and passes over the rows already returned
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "drop", "path": "/schemas$", "times": 1}');
SELECT count(*), count(DISTINCT name) FROM st_schemas;
SELECT status, fault, sent < total AS cut_short FROM pg_temp.sent_log();
-- should fail: the repeated listing is not the one that was being read
CALL pg_temp.emuctl('fault', '{"action": "drop", "path": "/schemas$", "times": 1}');
CALL pg_temp.emuctl('fault', '{"action": "malformed", "path": "/schemas$", "skip": 1, "times": 1, "body": "[{\"name\": \"A\"}, {\"name\": \"B\"}, {\"name\": \"C\"}, {\"name\": \"D\"}, {\"name\": \"E\"}, {\"name\": \"F\"}, {\"name\": \"G\"}, {\"name\": \"H\"}, {\"name\": \"I\"}, {\"name\": \"J\"}, {\"name\": \"K\"}, {\"name\": \"L\"}]"}');
SELECT name FROM st_schemas;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- a scan that needs only some rows abandons the transfer
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "drip", "path": "/stages$", "bytes": 32, "interval_ms": 100, "times": 1}');
SELECT name IS NOT NULL AS got_one FROM st_stages LIMIT 1;
SELECT EXISTS (SELECT FROM st_stages WHERE kind IS NOT NULL) AS exists_one;
-- (the emulator writes down what it sent once its next write fails)
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN (SELECT sent FROM pg_temp.sent_log() WHERE fault = 'drip') IS NOT NULL;
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
-- the first body was cut short, and the next request came on a new connection
SELECT conn, status, fault, sent < total AS cut_short FROM pg_temp.sent_log();

-- ===================================================================
-- statement_timeout ends a slow listing between bytes
-- ===================================================================
CALL pg_temp.emuctl('fault', '{"action": "drip", "path": "/stages$", "bytes": 1, "interval_ms": 50, "times": 1}');
CALL pg_temp.emuctl('clear-log');
SET statement_timeout = '300ms';
-- should fail
SELECT count(*) FROM st_stages;
RESET statement_timeout;
-- the body was never sent whole: the timeout ended the transfer
SELECT bool_and(sent IS NULL OR sent < total) AS ended_between_bytes
  FROM pg_temp.sent_log() WHERE fault = 'drip';
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- cleanup
-- ===================================================================
SET client_min_messages = warning;
DROP SERVER st_srv CASCADE;
