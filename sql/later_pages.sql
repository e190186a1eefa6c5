-- A later page that is gone is an error naming its request, never a
-- shorter result, whatever gave the scope and whatever the paging form:
-- keyset (fromName), Link rel="next", the large-result hand-off, and the
-- repeat of a streamed page that failed midway.  Also: header text quoted
-- in a message is sanitized.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER lp_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '3', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lp_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE lp_schemas (name text, database_name text)
  SERVER lp_srv OPTIONS (object 'schemas');
CREATE FOREIGN TABLE lp_sales_schemas (name text)
  SERVER lp_srv OPTIONS (object 'schemas', database 'SALES');
CREATE SERVER lp_big FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER lp_big OPTIONS (token :'pat');
CREATE FOREIGN TABLE lp_big_schemas (name text, database_name text)
  SERVER lp_big OPTIONS (object 'schemas');

-- ===================================================================
-- keyset pages: the database is dropped after the first page
-- ===================================================================
-- scope from WHERE
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "query": "fromName=", "action": "vanish"}');
-- should fail
SELECT name FROM lp_schemas WHERE database_name = 'SALES';
-- the first page of a database that is gone is no error: it has no rows
SELECT count(*) FROM lp_schemas WHERE database_name = 'SALES';
-- scope from the table options
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "query": "fromName=", "action": "vanish"}');
-- should fail
SELECT name FROM lp_sales_schemas;
-- scope from the listing of databases
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/SALES/schemas$", "query": "fromName=", "action": "vanish"}');
-- should fail
SELECT database_name, name FROM lp_schemas;
-- ===================================================================
-- Link pages and large-result pages: the result handle goes away
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "action": "link_pages", "page_size": 3}');
CALL pg_temp.emuctl('fault', '{"path": "/results/", "action": "vanish"}');
-- should fail
SELECT name FROM lp_big_schemas WHERE database_name = 'SALES';
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "action": "large", "page_size": 3}');
CALL pg_temp.emuctl('fault', '{"path": "/results/", "skip": 1, "action": "vanish"}');
-- should fail
SELECT name FROM lp_big_schemas WHERE database_name = 'SALES';
SELECT method, regexp_replace(path, '/results/[^/]+$', '/results/<handle>') AS path, query, status
  FROM pg_temp.emu_requests() ORDER BY seq;

-- ===================================================================
-- a keyset page answered by a large-result hand-off: the keyset paging
-- goes on after its result pages (it used to end with them: 3 rows of 8)
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "times": -1, "action": "large", "page_size": 2}');
SELECT count(*), count(DISTINCT name) FROM lp_sales_schemas;
SELECT method, regexp_replace(path, '/results/[^/]+$', '/results/<handle>') AS path, query, status
  FROM pg_temp.emu_requests() ORDER BY seq;

-- ===================================================================
-- a streamed page cut midway, whose repeat finds the database gone:
-- the repeat's own 404 is reported, not the cut transfer's message
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "action": "drop"}');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "skip": 1, "action": "vanish"}');
-- should fail
SELECT name FROM lp_big_schemas WHERE database_name = 'SALES';
SELECT method, path, query, status FROM pg_temp.emu_requests();

-- ===================================================================
-- control characters of a refused Link target are not echoed
-- ===================================================================
CALL pg_temp.emuctl('reset');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "action": "link", "value": "<http://evil.example/\u001b[2J\u001b]0;x\u0007>; rel=\"next\""}');
-- should fail
SELECT name FROM lp_big_schemas WHERE database_name = 'SALES';
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "action": "location", "value": "http://evil.example/\u001b[2J"}');
-- should fail
SELECT name FROM lp_big_schemas WHERE database_name = 'SALES';

-- ===================================================================
-- cleanup
-- ===================================================================
CALL pg_temp.emuctl('reset');
SET client_min_messages = warning;
DROP SERVER lp_srv, lp_big CASCADE;
RESET client_min_messages;
