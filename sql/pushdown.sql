-- Pushdown: each qual and LIMIT that becomes a request parameter, shown by
-- EXPLAIN, by the results and by the requests the emulator received; and the
-- same rows with pushdown on and off.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER pd_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url', page_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER pd_srv OPTIONS (token :'pat');
CREATE SCHEMA pd;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER pd_srv INTO pd;

-- rows of a query with pushdown on and off: true when they are the same multiset
CREATE FUNCTION pg_temp.same_rows(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  n_on bigint; n_off bigint; n_diff bigint;
BEGIN
  SET LOCAL snowfdw.enable_pushdown = on;
  EXECUTE 'CREATE TEMP TABLE rows_on AS ' || query;
  SET LOCAL snowfdw.enable_pushdown = off;
  EXECUTE 'CREATE TEMP TABLE rows_off AS ' || query;
  SELECT count(*) INTO n_on FROM rows_on;
  SELECT count(*) INTO n_off FROM rows_off;
  SELECT count(*) INTO n_diff FROM ((TABLE rows_on EXCEPT ALL TABLE rows_off)
                                    UNION ALL (TABLE rows_off EXCEPT ALL TABLE rows_on)) d;
  DROP TABLE rows_on, rows_off;
  RETURN format('%s rows on, %s rows off, %s differ', n_on, n_off, n_diff);
END $$;

-- ===================================================================
-- name = value: the fetch endpoint, one GET, names quoted and encoded
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name = 'PUBLIC';
CALL pg_temp.emuctl('clear-log');
SELECT name, comment FROM pd.remote_schemas WHERE database_name = 'SALES' AND name = 'PUBLIC';
SELECT method, path, query, status FROM pg_temp.emu_requests();

-- every awkward name round-trips through quoting and percent-encoding
CALL pg_temp.emuctl('clear-log');
SELECT n AS asked, s.name, s.comment
  FROM unnest(ARRAY['My Schema', 'we"ird', 'a/b', '100%', 'x:y', 'Ünïcødé', 'my schema']) n
  LEFT JOIN LATERAL (SELECT name, comment FROM pd.remote_schemas
                      WHERE database_name = 'SALES' AND name = n) s ON true
 ORDER BY n COLLATE "C";
SELECT method, path, status FROM pg_temp.emu_requests() ORDER BY seq;

-- a missing object is zero rows, not an error
SELECT count(*) FROM pd.remote_schemas WHERE database_name = 'SALES' AND name = 'NOPE';
-- a stage and a stream by name
SELECT name, comment FROM pd.remote_stages
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'My Stage';
SELECT name, mode FROM pd.remote_streams
 WHERE database_name = 'SALES' AND schema_name = 'My Schema' AND name = 'Mixed Stream';
-- IN lists: one fetch per distinct value, duplicates and NULLs dropped
CALL pg_temp.emuctl('clear-log');
SELECT name FROM pd.remote_schemas
 WHERE database_name = 'SALES' AND name IN ('PUBLIC', 'STAGING', 'PUBLIC', NULL) ORDER BY name;
-- (they run concurrently: ordered by path, not arrival)
SELECT method, path FROM pg_temp.emu_requests() ORDER BY path;

-- ===================================================================
-- LIKE and ILIKE: startsWith for a plain prefix, like otherwise
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'ST%';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE '%i%';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name ILIKE 'pub%';
CALL pg_temp.emuctl('clear-log');
-- startsWith is case-sensitive like LIKE
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'ST%';
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'st%';
-- like is case-insensitive: PostgreSQL rechecks LIKE locally
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE '%i%' ORDER BY name COLLATE "C";
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name ILIKE 'pub%';
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY seq;
-- stages take only like
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name LIKE 'A%';
-- a backslash escape is not sent (dialects differ): all stays local
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE '100\%';
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND name LIKE '100\%';

-- ===================================================================
-- stage_files.name ~ regex or LIKE: pattern, rechecked locally
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ 'data_[0-9]';
CALL pg_temp.emuctl('clear-log');
SELECT name, size FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ 'data_[0-9]'
 ORDER BY name;
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ '^raw/data_1\.csv$';
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY seq;
-- alternation: each branch gets its own anchors, as ~ searches and the
-- pattern must match the whole name: "starts with raw/data or ends in gz"
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ '^raw/data|gz$';
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ '^raw/data|gz$'
 ORDER BY name;
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ '^x|readme';
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ 'data_(0|2)\.csv'
 ORDER BY name;
-- what the two dialects may read differently stays local: class escapes,
-- embedded options, case-insensitive matching
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ '_\d\.csv$';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ '(?i)README';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~* 'README';
-- LIKE: the same kind of whole-name pattern, marks escaped
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name LIKE 'raw/data\_%.csv';
CALL pg_temp.emuctl('clear-log');
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name LIKE 'raw/data\_%.csv'
 ORDER BY name;
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name LIKE 'raw/______.txt';
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY seq;
-- ILIKE stays local (case folding is locale-dependent)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ILIKE 'RAW/%';

-- ===================================================================
-- LIMIT: showLimit, then keyset pages with fromName while rows are needed
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' LIMIT 2;
CALL pg_temp.emuctl('clear-log');
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' LIMIT 2;
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY seq;
-- a local filter drops rows: paging goes on until two rows pass
CALL pg_temp.emuctl('clear-log');
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND comment IN ('Slash', 'Colon') LIMIT 2;
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY seq;
-- objects fetched by name: no more fetches than the LIMIT needs, and one
-- more for a name that is not there
CALL pg_temp.emuctl('clear-log');
SELECT name FROM pd.remote_schemas
 WHERE database_name = 'SALES' AND name IN ('PUBLIC', 'NOPE', 'STAGING', 'My Schema') LIMIT 2;
SELECT count(*) AS fetches FROM pg_temp.emu_requests();
-- ORDER BY needs every row: no showLimit below the page size
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' ORDER BY name LIMIT 2;
-- without LIMIT, pages of page_size (3) follow one another by fromName
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM pd.remote_schemas WHERE database_name = 'SALES';
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY seq;

-- EXPLAIN ANALYZE counts the calls the scan made
SELECT * FROM pg_temp.explain_analyze($$SELECT count(*) FROM pd.remote_schemas WHERE database_name = 'SALES'$$);

-- ===================================================================
-- dropped schemas: history=true through a condition on dropped_on
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name, dropped_on FROM pd.remote_schemas WHERE database_name = 'SALES' AND dropped_on IS NOT NULL;
SELECT name, dropped_on FROM pd.remote_schemas WHERE database_name = 'SALES' AND dropped_on IS NOT NULL;
CREATE FOREIGN TABLE pd.schema_history (database_name text, name text, dropped_on timestamptz)
  SERVER pd_srv OPTIONS (object 'schemas', history 'true');
SELECT database_name, name, dropped_on IS NOT NULL AS dropped FROM pd.schema_history
 ORDER BY database_name, name COLLATE "C", dropped;

-- ===================================================================
-- account-wide fan-out: databases, then schemas, then streams
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM pd.remote_streams;
CALL pg_temp.emuctl('clear-log');
SELECT database_name, schema_name, name FROM pd.remote_streams ORDER BY 1, 2, 3;
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY path COLLATE "C", query;
-- database_name IN (...) fans out over the listed databases only
CALL pg_temp.emuctl('clear-log');
SELECT database_name, count(*) FROM pd.remote_schemas
 WHERE database_name IN ('SALES', 'MARKETING', 'EMPTY_DB') GROUP BY 1 ORDER BY 1;
SELECT count(*) AS requests, count(DISTINCT path) AS databases FROM pg_temp.emu_requests();

-- ===================================================================
-- the same rows with pushdown on and off
-- ===================================================================
SELECT q, pg_temp.same_rows(q) FROM (VALUES
  ($$SELECT * FROM pd.remote_schemas WHERE database_name = 'SALES' AND name = 'PUBLIC'$$),
  ($$SELECT * FROM pd.remote_schemas WHERE database_name = 'SALES' AND name = 'my schema'$$),
  ($$SELECT * FROM pd.remote_schemas WHERE database_name = 'SALES' AND name IN ('a/b', 'x:y', '100%')$$),
  ($$SELECT name FROM pd.remote_schemas WHERE name LIKE 'P%'$$),
  ($$SELECT name FROM pd.remote_schemas WHERE name LIKE '%i%'$$),
  ($$SELECT name FROM pd.remote_schemas WHERE name ILIKE '%I%'$$),
  ($$SELECT name FROM pd.remote_schemas WHERE name LIKE '100\%'$$),
  ($$SELECT name, dropped_on FROM pd.remote_schemas WHERE dropped_on IS NOT NULL$$),
  ($$SELECT name FROM pd.remote_stages WHERE name LIKE '%a%'$$),
  ($$SELECT name FROM pd.remote_streams WHERE name LIKE 'ORDERS%'$$),
  ($$SELECT name FROM pd.remote_streams WHERE schema_name = 'My Schema'$$),
  ($$SELECT name FROM pd.stage_files WHERE name ~ 'data_[0-9]'$$),
  ($$SELECT name FROM pd.stage_files WHERE name ~ '^raw/.*\.csv$'$$),
  ($$SELECT name FROM pd.stage_files WHERE stage_name = 'My Stage' AND name ~ 'ü'$$),
  ($$SELECT name FROM pd.stage_files WHERE name ~ '^raw/data|gz$'$$),
  ($$SELECT name FROM pd.stage_files WHERE name ~ '^x|readme'$$),
  ($$SELECT name FROM pd.stage_files WHERE name ~ '^(raw|archive)/[a-z]+_[01]\.csv$|^my stage/'$$),
  ($$SELECT name FROM pd.stage_files WHERE name ~ 'data_(0|2)\.csv|old'$$),
  ($$SELECT name FROM pd.stage_files WHERE name LIKE '%\_1.csv'$$),
  ($$SELECT name FROM pd.stage_files WHERE name LIKE 'my stage/%'$$),
  ($$SELECT name FROM pd.stage_files WHERE name LIKE '%.csv%'$$),
  ($$SELECT name FROM pd.remote_schemas WHERE database_name = 'SALES' AND comment IN ('Slash', 'Colon') LIMIT 2$$),
  ($$SELECT count(*) FROM (SELECT * FROM pd.remote_schemas LIMIT 4) s$$)
) AS t(q);

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SCHEMA pd CASCADE;
DROP SERVER pd_srv CASCADE;
