-- The REST protocol around a listing: 202 polling, Link pages, the
-- large-result hand-off, and Location/Link headers that must not be followed.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER proto_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER proto_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE sales_schemas (database_name text, name text, comment text)
  SERVER proto_srv OPTIONS (object 'schemas', database 'SALES');

-- ===================================================================
-- 202 Accepted: polled at its Location until the answer is ready
-- ===================================================================
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "async", "polls": 3}');
CALL pg_temp.emuctl('clear-log');
SELECT name FROM sales_schemas ORDER BY name COLLATE "C";
SELECT method, regexp_replace(path, '/results/[^/]+$', '/results/<handle>') AS path, status
  FROM pg_temp.emu_requests() ORDER BY seq;
-- a fetch answered with 202 too
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas/PUBLIC$", "times": 1, "action": "async", "polls": 1}');
SELECT name, comment FROM sales_schemas WHERE name = 'PUBLIC';

-- ===================================================================
-- Link rel="next" pages are followed to the end
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "link_pages", "page_size": 2}');
CALL pg_temp.emuctl('clear-log');
SELECT name FROM sales_schemas ORDER BY name COLLATE "C";
SELECT method, regexp_replace(path, '/results/[^/]+$', '/results/<handle>') AS path, query, status
  FROM pg_temp.emu_requests() ORDER BY seq;

-- ===================================================================
-- the large-result hand-off: an object with result_handler, then pages
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "large", "page_size": 3}');
CALL pg_temp.emuctl('clear-log');
SELECT count(*), min(name COLLATE "C"), max(name COLLATE "C") FROM sales_schemas;
SELECT method, regexp_replace(path, '/results/[^/]+$', '/results/<handle>') AS path, query, status
  FROM pg_temp.emu_requests() ORDER BY seq;

-- ===================================================================
-- hostile Location and Link headers are refused, never followed
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "location", "value": "http://evil.example/api/v2/results/x"}');
-- should fail
SELECT name FROM sales_schemas;
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "location", "value": "//evil.example/api/v2/results/x"}');
-- should fail
SELECT name FROM sales_schemas;
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "location", "value": "/not-api/x"}');
-- should fail
SELECT name FROM sales_schemas;
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "link", "value": "<https://evil.example/api/v2/results/x?page=1>; rel=\"next\""}');
-- should fail
SELECT name FROM sales_schemas;
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas$", "times": 1, "action": "link", "value": "</api/v2/results/x@evil.example/?page=1>; rel=\"next\""}');
-- should fail
SELECT name FROM sales_schemas;
-- nothing but the emulator was asked: every request went to /api/v2/
SELECT count(*) AS requests, bool_and(path LIKE '/api/v2/%') AS all_api FROM pg_temp.emu_requests();

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SERVER proto_srv CASCADE;
