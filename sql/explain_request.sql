-- EXPLAIN's "Remote request" is built by the functions that build the
-- requests.  For every EXPLAIN'd scan of pushdown.sql (read from that file,
-- so a new one is covered when it is added there), for joins and for each
-- write, the first request of each "Remote request" must be what the
-- emulator logs first for that method; a {placeholder} stands for the one
-- path segment a row or an outer value gives at run time.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER er_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url', page_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER er_srv OPTIONS (token :'pat');
CREATE SCHEMA er;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER er_srv INTO er;

-- a request as an anchored regex: each {placeholder} is one path segment
CREATE FUNCTION pg_temp.request_pattern(explained text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT '^' || regexp_replace(
                  regexp_replace(explained, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g'),
                  '\\\{[a-z_]+\\\}', '[^/?&]+', 'g') || '$' $$;

-- For each "Remote request" of the plan: its first request, the first one
-- the emulator logged with that method when the statement ran, and whether
-- they agree.
CREATE FUNCTION pg_temp.explained_vs_sent(query text)
RETURNS TABLE (explained text, sent text, agree boolean)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
BEGIN
  EXECUTE 'EXPLAIN (VERBOSE, FORMAT JSON) ' || query INTO plan;
  CALL pg_temp.emuctl('clear-log');
  EXECUTE query;
  CREATE TEMP TABLE sent_log AS SELECT * FROM pg_temp.emu_requests();
  RETURN QUERY
  WITH explained AS (
    SELECT split_part(r #>> '{}', ' -> ', 1) AS first
      FROM jsonb_path_query(plan, 'strict $.**."Remote request"') r
  ), pattern AS (
    SELECT first, split_part(first, ' ', 1) AS method,
           pg_temp.request_pattern(first) AS re
      FROM explained
  ), sent AS (
    SELECT p.first, p.re,
           (SELECT l.method || ' ' || l.path || coalesce('?' || nullif(l.query, ''), '')
              FROM sent_log l WHERE l.method = p.method ORDER BY l.seq LIMIT 1) AS request
      FROM pattern p
  )
  SELECT s.first, s.request, coalesce(s.request ~ s.re, false) FROM sent s;
  DROP TABLE sent_log;
END $$;

-- ===================================================================
-- every EXPLAIN'd scan of pushdown.sql, on a server with the same options
-- ===================================================================
CREATE TEMP TABLE pushdown_queries AS
SELECT row_number() OVER () AS n,
       replace(regexp_replace(m[1], '\s+', ' ', 'g'), 'pd.', 'er.') AS query
  FROM regexp_matches(pg_read_file(:'testdir' || '/../sql/pushdown.sql'),
                      'EXPLAIN \(VERBOSE, COSTS OFF\)\s*(SELECT[^;]*);', 'g') m;
SELECT count(*) >= 10 AS found_the_queries FROM pushdown_queries;
SELECT n, query FROM pushdown_queries ORDER BY n;
-- one statement each: within a statement, a repeated request is answered
-- from the statement's store and never reaches the emulator
SELECT format('SELECT %s AS n, e.* FROM pg_temp.explained_vs_sent(%L) e', n, query)
  FROM pushdown_queries ORDER BY n \gexec

-- ===================================================================
-- joins: values from the outer side show as {column} and are substituted
-- ===================================================================
CREATE TEMP TABLE inventory (db text, schema_name text);
INSERT INTO inventory VALUES ('SALES', 'PUBLIC'), ('SALES', 'STAGING');
ANALYZE inventory;
SELECT * FROM pg_temp.explained_vs_sent($$
  SELECT r.name FROM inventory i JOIN er.remote_schemas r
    ON r.database_name = i.db AND r.name = i.schema_name $$);
SELECT * FROM pg_temp.explained_vs_sent($$
  SELECT s.name FROM (VALUES ('SALES')) t(db) JOIN er.remote_streams s
    ON s.database_name = t.db $$);

-- ===================================================================
-- writes: the modification's request and the scan under it
-- ===================================================================
SELECT * FROM pg_temp.explained_vs_sent($$
  INSERT INTO er.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'EXPLAINED_1', 'from explain_request') $$);
SELECT * FROM pg_temp.explained_vs_sent($$
  UPDATE er.remote_schemas SET comment = 'changed'
   WHERE database_name = 'SALES' AND name = 'EXPLAINED_1' $$);
SELECT * FROM pg_temp.explained_vs_sent($$
  DELETE FROM er.remote_schemas
   WHERE database_name = 'SALES' AND name = 'EXPLAINED_1' $$);

-- ===================================================================
-- generic plans: values known when the scan starts show as {column},
-- {name_filter} (startsWith, like or pattern) and showLimit={limit}
-- ===================================================================
SET plan_cache_mode = force_generic_plan;
PREPARE er_like(text, text) AS
  SELECT name FROM er.remote_schemas WHERE database_name = $1 AND name LIKE $2;
PREPARE er_ilike(text) AS
  SELECT name FROM er.remote_schemas WHERE database_name = 'SALES' AND name ILIKE $1;
PREPARE er_regex(text) AS
  SELECT name FROM er.stage_files
   WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ $1;
PREPARE er_limit(bigint) AS
  SELECT name FROM er.remote_schemas WHERE database_name = 'SALES' LIMIT $1;
SELECT * FROM pg_temp.explained_vs_sent($$EXECUTE er_like('SALES', 'ST%')$$);
SELECT * FROM pg_temp.explained_vs_sent($$EXECUTE er_like('SALES', '%i%')$$);
SELECT * FROM pg_temp.explained_vs_sent($$EXECUTE er_ilike('pub%')$$);
SELECT * FROM pg_temp.explained_vs_sent($$EXECUTE er_regex('csv$')$$);
SELECT * FROM pg_temp.explained_vs_sent($$EXECUTE er_limit(2)$$);
SET er.prefix = '%TAG';
SELECT * FROM pg_temp.explained_vs_sent($$
  SELECT name FROM er.remote_schemas
   WHERE database_name = 'SALES' AND name LIKE current_setting('er.prefix') || '%' $$);
RESET er.prefix;
DEALLOCATE ALL;
RESET plan_cache_mode;

-- the matcher itself: a placeholder is one segment, the rest is literal
SELECT 'GET /api/v2/databases/A/schemas?showLimit=3' ~ pg_temp.request_pattern('GET /api/v2/databases/{database_name}/schemas?showLimit=3') AS same,
       'GET /api/v2/databases/A/B/schemas?showLimit=3' ~ pg_temp.request_pattern('GET /api/v2/databases/{database_name}/schemas?showLimit=3') AS two_segments,
       'GET /api/v2/databases/A/schemas?showLimit=30' ~ pg_temp.request_pattern('GET /api/v2/databases/{database_name}/schemas?showLimit=3') AS longer,
       'GET /api/v2/databases/A/schemasXshowLimit=3' ~ pg_temp.request_pattern('GET /api/v2/databases/{database_name}/schemas?showLimit=3') AS any_char;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SCHEMA er CASCADE;
DROP SERVER er_srv CASCADE;
