-- Listing remote schemas through the FDW: columns, types, scope, errors
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER sel_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER sel_srv OPTIONS (token :'pat');

-- ===================================================================
-- remote_schemas with a database from the WHERE clause
-- ===================================================================
CREATE FOREIGN TABLE remote_schemas (
  database_name text,
  name text,
  kind text,
  comment text,
  owner text,
  managed_access boolean,
  retention_time integer,
  created_on timestamptz,
  dropped_on timestamptz
) SERVER sel_srv;

CALL pg_temp.emuctl('clear-log');
SELECT name, kind, comment, owner, managed_access, retention_time, created_on, dropped_on
  FROM remote_schemas WHERE database_name = 'SALES' ORDER BY name COLLATE "C";
-- one request, database in the path
SELECT method, path, query, status FROM pg_temp.emu_requests();

-- the same database through the table option
CREATE FOREIGN TABLE marketing_schemas (name text, database_name text)
  SERVER sel_srv OPTIONS (object 'schemas', database 'MARKETING');
SELECT database_name, name FROM marketing_schemas ORDER BY name;

-- a database that does not exist lists nothing when named in WHERE
SELECT count(*) FROM remote_schemas WHERE database_name = 'NO_SUCH_DB';
-- but is an error when a table option names it
CREATE FOREIGN TABLE missing_db_schemas (name text)
  SERVER sel_srv OPTIONS (object 'schemas', database 'NO_SUCH_DB');
-- should fail
SELECT * FROM missing_db_schemas;

-- ===================================================================
-- columns: subset, order, renaming, other compatible types, absent fields
-- ===================================================================
CREATE FOREIGN TABLE schema_subset (
  schema_label varchar(40) OPTIONS (column_name 'name'),
  created date OPTIONS (column_name 'created_on'),
  retention bigint OPTIONS (column_name 'retention_time'),
  not_a_field text,
  database_name text
) SERVER sel_srv OPTIONS (object 'schemas', database 'SALES');
SELECT schema_label, created, retention, not_a_field FROM schema_subset
  WHERE schema_label IN ('PUBLIC', 'STAGING') ORDER BY 1;
-- whole-row references convert every column
SELECT s FROM schema_subset s WHERE schema_label = 'PUBLIC';

-- a type the value does not fit: the error names the column
CREATE FOREIGN TABLE schema_bad_type (name text, comment integer)
  SERVER sel_srv OPTIONS (object 'schemas', database 'SALES');
-- should fail
SELECT name, comment FROM schema_bad_type WHERE name = 'PUBLIC';
-- columns the query does not use are not converted
SELECT name FROM schema_bad_type WHERE name = 'PUBLIC';
-- the error names the column, not the JSON field it maps to
CREATE FOREIGN TABLE schema_bad_label (name text, comment_number integer OPTIONS (column_name 'comment'))
  SERVER sel_srv OPTIONS (object 'schemas', database 'SALES');
-- should fail
SELECT comment_number FROM schema_bad_label WHERE name = 'PUBLIC';

-- ===================================================================
-- the whole account: databases are enumerated
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
SELECT database_name, name FROM remote_schemas ORDER BY database_name, name COLLATE "C";
SELECT method, path, query, status FROM pg_temp.emu_requests() ORDER BY path COLLATE "C";

-- ===================================================================
-- a wrong token: class 28, Snowflake's message, code and request id
-- ===================================================================
CREATE SERVER sel_bad FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER sel_bad
  OPTIONS (token 'not-a-valid-token');
CREATE FOREIGN TABLE bad_schemas (name text)
  SERVER sel_bad OPTIONS (object 'schemas', database 'SALES');
CALL pg_temp.emuctl('reset');
-- should fail
SELECT * FROM bad_schemas;
\set VERBOSITY sqlstate
-- should fail, showing the SQLSTATE
SELECT * FROM bad_schemas;
\set VERBOSITY default
-- an OAuth token sent as a programmatic access token is refused too
ALTER USER MAPPING FOR CURRENT_USER SERVER sel_bad
  OPTIONS (SET token :'oauth');
-- should fail
SELECT * FROM bad_schemas;
ALTER USER MAPPING FOR CURRENT_USER SERVER sel_bad
  OPTIONS (ADD token_type 'OAUTH');
SELECT count(*) FROM bad_schemas;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SERVER sel_srv CASCADE;
DROP SERVER sel_bad CASCADE;
