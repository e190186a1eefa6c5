-- Response cache: one request per distinct call in a statement, cache_ttl
-- across statements, eviction, isolation, invalidation by writes,
-- statistics, and the upgrade from 1.0.  This cluster preloads snowfdw,
-- so the cache is shared; test/suites/30-cache-local.sh checks the
-- backend-local mode on a cluster without it.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER cache_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER cache_srv OPTIONS (token :'pat');
CREATE SCHEMA cache;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER cache_srv INTO cache;

-- the emulator's request log: all requests, distinct ones, account listings
CREATE FUNCTION pg_temp.counts(OUT requests bigint, OUT distinct_requests bigint,
                               OUT database_listings bigint)
LANGUAGE sql AS $$
  SELECT count(*), count(DISTINCT (method, path, query)),
         count(*) FILTER (WHERE path = '/api/v2/databases')
    FROM pg_temp.emu_requests() $$;

-- run SQL in another backend of this cluster (a psql of its own)
CREATE FUNCTION pg_temp.other_backend(sql text) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT pg_temp.program_lines(
    format('%s/psql -X -At -h %s -p %s -d %s -c %s',
           (SELECT setting FROM pg_config WHERE name = 'BINDIR'),
           pg_temp.shell_quote(current_setting('unix_socket_directories')),
           current_setting('port'),
           pg_temp.shell_quote(current_database()),
           pg_temp.shell_quote(sql))) $$;

-- the test build's clock of the cache (src/fault.c): entries age past their
-- TTL without waiting for it
CREATE FUNCTION pg_temp.advance_clock(seconds float8) RETURNS float8
  AS 'snowfdw', 'snowfdw_fault_advance_clock' LANGUAGE C STRICT;

-- the cache is shared: snowfdw is in shared_preload_libraries
SELECT shared FROM snowfdw_cache_info();
-- what earlier tests left in it: the counts below are this test's own
SELECT snowfdw_cache_clear() AS dropped \gset
SHOW snowfdw.cache_ttl;
SHOW snowfdw.cache_size;
SELECT snowfdw_stats_reset();

-- ===================================================================
-- one request per distinct call within a statement (cache_ttl 0)
-- ===================================================================
-- three scans that each enumerate the account: databases, then schemas
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*)
  FROM cache.remote_schemas s
  JOIN cache.remote_stages st ON st.database_name = s.database_name AND st.schema_name = s.name
  JOIN cache.remote_streams r ON r.database_name = s.database_name AND r.schema_name = s.name;
CALL pg_temp.emuctl('clear-log');
SELECT count(*)
  FROM cache.remote_schemas s
  JOIN cache.remote_stages st ON st.database_name = s.database_name AND st.schema_name = s.name
  JOIN cache.remote_streams r ON r.database_name = s.database_name AND r.schema_name = s.name;
-- GET /api/v2/databases once, and no request twice
SELECT * FROM pg_temp.counts();
RESET enable_nestloop;

-- a rescan asks again for nothing: the inner side runs once per outer row
CREATE TABLE cache_dbs (db text);
INSERT INTO cache_dbs VALUES ('SALES'), ('MARKETING'), ('SALES'), ('SALES');
ANALYZE cache_dbs;
CALL pg_temp.emuctl('clear-log');
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_memoize = off;
SELECT d.db, count(*) FROM cache_dbs d JOIN cache.remote_schemas s ON s.database_name = d.db
 GROUP BY d.db ORDER BY d.db;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_memoize;
SELECT * FROM pg_temp.counts();

-- the next statement asks again: that scope ends with the statement
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'SALES';
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'SALES';
SELECT * FROM pg_temp.counts();

-- ===================================================================
-- across statements: cache_ttl of the table, the server, or the GUC
-- ===================================================================
-- should fail
CREATE FOREIGN TABLE cache.bad_ttl (name text)
  SERVER cache_srv OPTIONS (object 'schemas', database 'SALES', cache_ttl '-1');
CREATE FOREIGN TABLE cache.sales_short (name text)
  SERVER cache_srv OPTIONS (object 'schemas', database 'SALES', cache_ttl '60');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_short;
SELECT count(*) FROM cache.sales_short;
-- one request: the second statement was answered by the cache
SELECT * FROM pg_temp.counts();
-- EXPLAIN ANALYZE counts the hit and no bytes
SELECT * FROM pg_temp.explain_analyze($$SELECT count(*) FROM cache.sales_short$$);
-- after the TTL the entry is stale and asked for again
SELECT pg_temp.advance_clock(60) > 0 AS aged;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_short;
SELECT * FROM pg_temp.counts();

-- the GUC is the default; the server option takes precedence over it
SET snowfdw.cache_ttl = 3600;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'MARKETING';
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'MARKETING';
SELECT * FROM pg_temp.counts();
ALTER SERVER cache_srv OPTIONS (ADD cache_ttl '0');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'MARKETING';
SELECT * FROM pg_temp.counts();
ALTER SERVER cache_srv OPTIONS (DROP cache_ttl);
RESET snowfdw.cache_ttl;

-- ===================================================================
-- snowfdw_cache_clear: one server, or all
-- ===================================================================
CREATE FOREIGN TABLE cache.sales_long (name text, comment text)
  SERVER cache_srv OPTIONS (object 'schemas', database 'SALES', cache_ttl '3600');
SELECT count(*) FROM cache.sales_long;
-- sales_short's, MARKETING's (kept under the GUC's TTL, before the server's
-- options changed) and sales_long's
SELECT snowfdw_cache_clear('cache_srv') AS dropped;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long;
SELECT * FROM pg_temp.counts();
-- the listing just made again
SELECT snowfdw_cache_clear() AS dropped;
SELECT entries, bytes FROM snowfdw_cache_info();
-- should fail
SELECT snowfdw_cache_clear('no_such_server');

-- ===================================================================
-- size bound: the least recently used entry goes first
-- ===================================================================
-- fetches of one schema each, about 860 bytes: two fit in 2kB
ALTER SYSTEM SET snowfdw.cache_size = '2kB';
SELECT pg_reload_conf();
\set setting snowfdw.cache_size
\set want 2kB
\i :testdir/wait_setting.sql
\set ECHO all
SHOW snowfdw.cache_size;
SELECT count(*) FROM cache.sales_long WHERE name = 'PUBLIC';
SELECT count(*) FROM cache.sales_long WHERE name = 'STAGING';
SELECT entries FROM snowfdw_cache_info();
-- PUBLIC used again, so STAGING is now the least recently used
SELECT count(*) FROM cache.sales_long WHERE name = 'PUBLIC';
SELECT count(*) FROM cache.sales_long WHERE name = 'My Schema';
SELECT entries, bytes <= 2048 AS within_bound FROM snowfdw_cache_info();
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long WHERE name = 'PUBLIC';
SELECT * FROM pg_temp.counts();
SELECT count(*) FROM cache.sales_long WHERE name = 'STAGING';
SELECT * FROM pg_temp.counts();
-- a response larger than the whole cache is not kept
ALTER SYSTEM SET snowfdw.cache_size = '1kB';
SELECT pg_reload_conf();
\set want 1kB
\i :testdir/wait_setting.sql
\set ECHO all
-- PUBLIC and STAGING
SELECT snowfdw_cache_clear() AS cleared;
SELECT count(*) FROM cache.sales_long;
SELECT entries FROM snowfdw_cache_info();
ALTER SYSTEM RESET snowfdw.cache_size;
SELECT pg_reload_conf();
\set want 64MB
\i :testdir/wait_setting.sql
\set ECHO all
SHOW snowfdw.cache_size;

-- ===================================================================
-- isolation: two user mappings with different tokens on one server
-- ===================================================================
CREATE ROLE regress_cache_alice;
CREATE ROLE regress_cache_bob;
CREATE USER MAPPING FOR regress_cache_alice SERVER cache_srv OPTIONS (token :'pat');
CREATE USER MAPPING FOR regress_cache_bob SERVER cache_srv
  OPTIONS (token :'oauth', token_type 'OAUTH');
GRANT USAGE ON SCHEMA cache TO regress_cache_alice, regress_cache_bob;
GRANT SELECT ON cache.sales_long TO regress_cache_alice, regress_cache_bob;
CALL pg_temp.emuctl('clear-log');
SET ROLE regress_cache_alice;
SELECT count(*) FROM cache.sales_long;
SELECT count(*) FROM cache.sales_long;
RESET ROLE;
-- alice: one request, then her own entry
SELECT * FROM pg_temp.counts();
SET ROLE regress_cache_bob;
SELECT count(*) FROM cache.sales_long;
RESET ROLE;
-- bob never gets alice's entry: a request of his own
SELECT * FROM pg_temp.counts();
-- a new token in alice's mapping is a new key: her old entry is not served
ALTER USER MAPPING FOR regress_cache_alice SERVER cache_srv
  OPTIONS (SET token :'pat');
SET ROLE regress_cache_alice;
SELECT count(*) FROM cache.sales_long;
RESET ROLE;
SELECT * FROM pg_temp.counts();

-- ===================================================================
-- writes invalidate, in this backend and in the others
-- ===================================================================
-- another backend fills the shared cache; this one hits that entry
-- (cleared: alice's entries under her old and new token, and bob's)
SELECT snowfdw_cache_clear() AS cleared;
CALL pg_temp.emuctl('clear-log');
SELECT * FROM pg_temp.other_backend('SELECT count(*) FROM cache.sales_long');
SELECT count(*) FROM cache.sales_long;
SELECT * FROM pg_temp.counts();
-- INSERT drops the server's entries: both backends see the new schema
INSERT INTO cache.sales_long (name, comment) VALUES ('CACHE_NEW', 'from the cache test');
SELECT bool_or(name = 'CACHE_NEW') AS here FROM cache.sales_long;
SELECT * FROM pg_temp.other_backend(
  'SELECT bool_or(name = ''CACHE_NEW'') FROM cache.sales_long');
-- UPDATE: the other backend filled the cache last, and sees the change
UPDATE cache.sales_long SET comment = 'changed' WHERE name = 'CACHE_NEW';
SELECT * FROM pg_temp.other_backend(
  'SELECT comment FROM cache.sales_long WHERE name = ''CACHE_NEW''');
SELECT comment FROM cache.sales_long WHERE name = 'CACHE_NEW';
-- DELETE
DELETE FROM cache.sales_long WHERE name = 'CACHE_NEW';
SELECT bool_or(name = 'CACHE_NEW') AS here FROM cache.sales_long;
SELECT * FROM pg_temp.other_backend(
  'SELECT bool_or(name = ''CACHE_NEW'') FROM cache.sales_long');
-- the functions that create objects invalidate too
SELECT snowfdw_clone_schema('cache_srv', 'SALES', 'STAGING', 'CACHE_CLONE');
SELECT bool_or(name = 'CACHE_CLONE') AS here FROM cache.sales_long;
DELETE FROM cache.sales_long WHERE name = 'CACHE_CLONE';
SELECT snowfdw_undrop_schema('cache_srv', 'SALES', 'CACHE_CLONE');
SELECT * FROM pg_temp.other_backend(
  'SELECT bool_or(name = ''CACHE_CLONE'') FROM cache.sales_long');
DELETE FROM cache.sales_long WHERE name = 'CACHE_CLONE';

-- ===================================================================
-- writes invalidate once per statement, and only what may have changed
-- ===================================================================
-- a three-row INSERT drops the server's entries once, not once per row
SELECT current_setting('snowfdw.write_invalidations')::int AS invals \gset
INSERT INTO cache.sales_long (name) VALUES ('CACHE_W1'), ('CACHE_W2'), ('CACHE_W3');
SELECT current_setting('snowfdw.write_invalidations')::int - :invals AS invalidations;
SELECT count(*) FILTER (WHERE name LIKE 'CACHE_W_') AS new_rows FROM cache.sales_long;
DELETE FROM cache.sales_long WHERE name IN ('CACHE_W1', 'CACHE_W2', 'CACHE_W3');
SELECT current_setting('snowfdw.write_invalidations')::int - :invals AS invalidations;
-- a write Snowflake refused (409, the schema exists) changed nothing: the
-- cached listing stays and answers without a request
SELECT count(*) FROM cache.sales_long;
SELECT current_setting('snowfdw.write_invalidations')::int AS invals \gset
-- should fail
INSERT INTO cache.sales_long (name) VALUES ('PUBLIC');
SELECT current_setting('snowfdw.write_invalidations')::int - :invals AS invalidations;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long;
SELECT * FROM pg_temp.counts();
-- nor does a function call refused with 401
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 401, "method": "POST", "times": 1}');
-- should fail
SELECT snowfdw_clone_schema('cache_srv', 'SALES', 'STAGING', 'CACHE_CLONE');
SELECT current_setting('snowfdw.write_invalidations')::int - :invals AS invalidations;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long;
SELECT * FROM pg_temp.counts();
-- a 500 may have been carried out: the abort drops the entries, once
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 500, "method": "POST", "times": 1}');
-- one request at a time, so that the fault hits the first row and the
-- second is never sent
SET snowfdw.pipeline_writes = off;
-- should fail
INSERT INTO cache.sales_long (name) VALUES ('CACHE_W4'), ('CACHE_W6');
RESET snowfdw.pipeline_writes;
SELECT current_setting('snowfdw.write_invalidations')::int - :invals AS invalidations;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long;
SELECT * FROM pg_temp.counts();
-- and so does a subtransaction's abort, before the transaction goes on
SELECT count(*) FROM cache.sales_long;
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 500, "method": "POST", "times": 1}');
DO $$
BEGIN
  INSERT INTO cache.sales_long (name) VALUES ('CACHE_W4');
EXCEPTION WHEN others THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT current_setting('snowfdw.write_invalidations')::int - :invals AS invalidations;
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- cancel during a cached scan leaves the cache usable
-- ===================================================================
-- nothing to clear: the subtransaction's abort above dropped the entry
SELECT snowfdw_cache_clear() AS cleared;
CALL pg_temp.emuctl('fault', '{"method": "GET", "times": 1, "action": "latency", "ms": 5000}');
SET statement_timeout = '500ms';
-- should fail
SELECT count(*) FROM cache.sales_long;
RESET statement_timeout;
CALL pg_temp.emuctl('clear-faults');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long;
SELECT count(*) FROM cache.sales_long;
SELECT * FROM pg_temp.counts();

-- ===================================================================
-- the cache policy belongs to a scan's calls: an error in a cached scan
-- leaves none behind, and a later ANALYZE neither reads nor fills the cache
-- ===================================================================
-- the one entry of the two reads above
SELECT snowfdw_cache_clear() AS cleared;
SELECT count(*) FROM cache.sales_long;
SELECT entries FROM snowfdw_cache_info();
CALL pg_temp.emuctl('fault', '{"method": "GET", "times": 1, "action": "latency", "ms": 5000}');
SET statement_timeout = '500ms';
-- should fail
SELECT count(*) FROM cache.sales_long WHERE name = 'PUBLIC';
RESET statement_timeout;
CALL pg_temp.emuctl('clear-faults');
CALL pg_temp.emuctl('clear-log');
ANALYZE cache.sales_long;
-- ANALYZE asked Snowflake (the listing it makes is cached), and kept nothing
SELECT count(*) AS requests FROM pg_temp.emu_requests();
SELECT entries FROM snowfdw_cache_info();
-- the scan still has its policy: a hit
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM cache.sales_long;
SELECT count(*) AS requests FROM pg_temp.emu_requests();

-- ===================================================================
-- snowfdw_stats against the emulator's log
-- ===================================================================
-- the entry of the hit above
SELECT snowfdw_cache_clear() AS cleared;
SELECT snowfdw_stats_reset();
CALL pg_temp.emuctl('clear-log');
-- two answers, one hit, a 429 retried, a 404 that is an answer, an error
SELECT count(*) FROM cache.sales_long;
SELECT count(*) FROM cache.sales_long;
CALL pg_temp.emuctl('fault', '{"method": "GET", "times": 1, "action": "status", "status": 429, "retry_after": "0"}');
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'MARKETING';
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'NO_SUCH_DB';
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'SALES' AND name = 'NOT_THERE';
CALL pg_temp.emuctl('fault', '{"method": "GET", "times": 1, "action": "status", "status": 400}');
-- should fail
SELECT count(*) FROM cache.remote_schemas WHERE database_name = 'ARCHIVE_DB';
SELECT server_name, user_name, requests, status_2xx, status_4xx, status_5xx,
       status_429, retries, bytes_received > 0 AS bytes, cache_hits,
       cache_misses, errors, total_time_ms > 0 AS timed
  FROM snowfdw_stats ORDER BY server_name, user_name;
-- the same counts from the emulator's side
SELECT count(*) AS requests,
       count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS status_2xx,
       count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS status_4xx,
       count(*) FILTER (WHERE status = 429) AS status_429
  FROM pg_temp.emu_requests();
SELECT s.requests = l.requests AND s.status_2xx = l.ok AND s.status_4xx = l.client
       AND s.status_429 = l.throttled AS stats_match_log
  FROM snowfdw_stats s,
       (SELECT count(*) AS requests,
               count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS ok,
               count(*) FILTER (WHERE status BETWEEN 400 AND 499) AS client,
               count(*) FILTER (WHERE status = 429) AS throttled
          FROM pg_temp.emu_requests()) l
 WHERE s.server_name = 'cache_srv' AND s.user_name = current_user;
-- another backend's counters are in the same shared view
SELECT * FROM pg_temp.other_backend('SELECT count(*) FROM cache.remote_schemas WHERE database_name = ''ARCHIVE_DB''');
SELECT requests, errors FROM snowfdw_stats WHERE server_name = 'cache_srv' AND user_name = current_user;
-- no secret anywhere in the view
SELECT count(*) AS leaks FROM snowfdw_stats s
 WHERE s::text LIKE '%' || :'pat' || '%' OR s::text LIKE '%' || :'oauth' || '%';
SELECT snowfdw_stats_reset();
SELECT count(*) FROM snowfdw_stats;
-- only superusers clear and reset unless granted
SET ROLE regress_cache_alice;
-- should fail
SELECT snowfdw_stats_reset();
-- should fail
SELECT snowfdw_cache_clear();
RESET ROLE;

-- ===================================================================
-- clean up
-- ===================================================================
DROP USER MAPPING FOR regress_cache_alice SERVER cache_srv;
DROP USER MAPPING FOR regress_cache_bob SERVER cache_srv;
REVOKE ALL ON SCHEMA cache FROM regress_cache_alice, regress_cache_bob;
REVOKE ALL ON cache.sales_long FROM regress_cache_alice, regress_cache_bob;
DROP ROLE regress_cache_alice;
DROP ROLE regress_cache_bob;
DROP TABLE cache_dbs;
DROP SCHEMA cache CASCADE;
DROP SERVER cache_srv CASCADE;

-- ===================================================================
-- extension upgrade: 1.0 then ALTER EXTENSION UPDATE gives what 1.3 has
-- ===================================================================
\set regress_db :DBNAME
CREATE DATABASE regress_cache_upgrade;
\c regress_cache_upgrade
CREATE EXTENSION snowfdw VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'snowfdw';
SELECT to_regclass('snowfdw_stats') IS NULL AS no_view;
CREATE TEMP TABLE upgraded AS
  SELECT pg_describe_object(classid, objid, 0) AS object FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw')
   LIMIT 0;
ALTER EXTENSION snowfdw UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'snowfdw';
INSERT INTO upgraded
  SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw');
SELECT count(*) FROM snowfdw_stats WHERE requests < 0;
DROP EXTENSION snowfdw;
-- a fresh CREATE EXTENSION is 1.3, with the same objects
CREATE EXTENSION snowfdw;
SELECT extversion FROM pg_extension WHERE extname = 'snowfdw';
SELECT object FROM upgraded
EXCEPT
SELECT pg_describe_object(classid, objid, 0) FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw');
SELECT pg_describe_object(classid, objid, 0) AS object FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw')
EXCEPT
SELECT object FROM upgraded
ORDER BY 1;
\c :regress_db
DROP DATABASE regress_cache_upgrade;
