-- IMPORT FOREIGN SCHEMA: the four tables, their columns, scoping options
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER imp_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER imp_srv OPTIONS (token :'pat');

-- ===================================================================
-- everything, account-wide
-- ===================================================================
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER imp_srv INTO sf;
SELECT c.relname, ft.ftoptions FROM pg_class c JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
 WHERE c.relnamespace = 'sf'::regnamespace ORDER BY 1;
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'sf'::regnamespace
 ORDER BY c.relname, a.attnum;

-- ===================================================================
-- each table lists its objects
-- ===================================================================
SELECT database_name, name, kind, comment FROM sf.remote_schemas
 WHERE database_name = 'MARKETING' ORDER BY name;
SELECT database_name, schema_name, name, url, comment, directory_table, has_credentials, credentials
  FROM sf.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' ORDER BY name;
SELECT database_name, schema_name, name, stream_source, mode, stale, type, table_name
  FROM sf.remote_streams WHERE database_name = 'SALES' ORDER BY schema_name, name;
SELECT stage_name, name, size, md5, last_modified
  FROM sf.stage_files WHERE database_name = 'SALES' AND schema_name = 'PUBLIC'
 ORDER BY stage_name, name;
-- nested objects are jsonb
SELECT name, stream_source->>'src_type' AS src_type, stream_source->>'name' AS source
  FROM sf.remote_streams WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' ORDER BY name;
-- sizes are exact bigints
SELECT sum(size) AS total_bytes, pg_typeof(sum(size)) FROM sf.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW';

-- ===================================================================
-- LIMIT TO, EXCEPT and scoping options
-- ===================================================================
CREATE SCHEMA sales_public;
IMPORT FOREIGN SCHEMA snowflake LIMIT TO (remote_streams, stage_files)
  FROM SERVER imp_srv INTO sales_public OPTIONS (database 'SALES', schema 'PUBLIC');
SELECT c.relname, ft.ftoptions FROM pg_class c JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
 WHERE c.relnamespace = 'sales_public'::regnamespace ORDER BY 1;
SELECT name FROM sales_public.remote_streams ORDER BY name;
CALL pg_temp.emuctl('clear-log');
SELECT stage_name, count(*) FROM sales_public.stage_files GROUP BY 1 ORDER BY stage_name COLLATE "C";
-- the stages of SALES.PUBLIC are enumerated, then their files listed (concurrently)
SELECT method, path, query FROM pg_temp.emu_requests() ORDER BY path LIKE '%/files', path COLLATE "C";

CREATE SCHEMA no_files;
IMPORT FOREIGN SCHEMA snowflake EXCEPT (stage_files) FROM SERVER imp_srv INTO no_files;
SELECT relname FROM pg_class WHERE relnamespace = 'no_files'::regnamespace ORDER BY 1;

-- should fail: only the remote schema "snowflake" exists
IMPORT FOREIGN SCHEMA public FROM SERVER imp_srv INTO no_files;
-- should fail: no such table
IMPORT FOREIGN SCHEMA snowflake LIMIT TO (remote_tables) FROM SERVER imp_srv INTO no_files;
-- should fail: no such option
IMPORT FOREIGN SCHEMA snowflake FROM SERVER imp_srv INTO no_files OPTIONS (warehouse 'WH');
-- a foreign table that does not say what it lists
CREATE FOREIGN TABLE no_files.things (name text) SERVER imp_srv;
-- should fail
SELECT * FROM no_files.things;
-- should fail: not an object kind
CREATE FOREIGN TABLE no_files.tables (name text) SERVER imp_srv OPTIONS (object 'tables');

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SCHEMA sf, sales_public, no_files CASCADE;
DROP SERVER imp_srv CASCADE;
