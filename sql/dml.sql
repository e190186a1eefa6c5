-- INSERT, UPDATE and DELETE: the REST calls they become, what they refuse
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER dml_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER dml_srv OPTIONS (token :'pat');
CREATE SCHEMA dml;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER dml_srv INTO dml;
-- one call at a time, so that the request log has one order
SET snowfdw.max_concurrency = 1;

-- the request log, without connection ids
CREATE FUNCTION pg_temp.requests()
RETURNS TABLE (method text, path text, query text, status int, body text)
LANGUAGE sql AS $$
  SELECT method, path, query, status, body FROM pg_temp.emu_requests() ORDER BY seq
$$;

-- what each table allows, as information_schema sees it
SELECT table_name, is_insertable_into FROM information_schema.tables
  WHERE table_schema = 'dml' ORDER BY table_name;
SELECT table_name, column_name, is_updatable FROM information_schema.columns
  WHERE table_schema = 'dml' AND column_name = 'name' ORDER BY table_name;

-- ===================================================================
-- INSERT into remote_schemas: POST .../schemas, createMode=errorIfExists
-- ===================================================================
EXPLAIN (COSTS OFF)
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'NEW_ONE', 'first');
EXPLAIN (COSTS OFF)
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'NEW_ONE', 'first') RETURNING created_on;

CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_schemas (database_name, name, comment, kind, managed_access,
                                data_retention_time_in_days)
  VALUES ('SALES', 'NEW_ONE', 'first', 'TRANSIENT', true, 3);
-- one call; only the non-null writable columns are sent
SELECT * FROM pg_temp.requests();

-- names are stored names: quoted as identifiers in body and path
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_schemas (database_name, name)
  VALUES ('SALES', 'new two'), ('SALES', 'Say "hi"');
SELECT * FROM pg_temp.requests();
SELECT name, comment, kind, managed_access, data_retention_time_in_days
  FROM dml.remote_schemas
  WHERE database_name = 'SALES' AND name IN ('NEW_ONE', 'new two', 'Say "hi"')
  ORDER BY name COLLATE "C";

-- RETURNING comes from a GET after the create: server-set columns are filled
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('MARKETING', 'Q3 Campaign', 'returned')
  RETURNING database_name, name, comment, owner, created_on, kind, dropped_on;
SELECT * FROM pg_temp.requests();

-- INSERT ... SELECT: one create per row
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_schemas (database_name, name)
  SELECT 'EMPTY_DB', 'S_' || g FROM generate_series(1, 3) g;
SELECT method, path, query, status FROM pg_temp.requests();

-- COPY FROM works as INSERT does
CALL pg_temp.emuctl('clear-log');
COPY dml.remote_schemas (database_name, name, comment) FROM STDIN;
EMPTY_DB	FROM_COPY	copied in
\.
SELECT * FROM pg_temp.requests();

-- ===================================================================
-- INSERT errors: read-only columns, missing name or scope, bad values
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
-- should fail: owner is read-only, and the error names it
INSERT INTO dml.remote_schemas (database_name, name, owner)
  VALUES ('SALES', 'NOPE', 'ME');
-- should fail: a copy of a listed row carries read-only values
INSERT INTO dml.remote_schemas SELECT * FROM dml.remote_schemas
  WHERE database_name = 'SALES' AND name = 'PUBLIC';
-- should fail: no name
INSERT INTO dml.remote_schemas (database_name, comment) VALUES ('SALES', 'x');
-- should fail: no database
INSERT INTO dml.remote_schemas (name) VALUES ('NOPE');
-- nothing was sent but the listing of PUBLIC
SELECT method, path, query, status FROM pg_temp.requests();

-- a column that maps to no field of the model
CREATE FOREIGN TABLE dml.schemas_extra (
  database_name text, name text, comment text, notes text
) SERVER dml_srv OPTIONS (object 'schemas');
-- should fail
INSERT INTO dml.schemas_extra VALUES ('SALES', 'NOPE', NULL, 'local note');
-- a NULL there is fine
INSERT INTO dml.schemas_extra VALUES ('SALES', 'EXTRA_OK', 'ok', NULL);

-- a text column for an integer field is sent as a JSON number
CREATE FOREIGN TABLE dml.schemas_text (
  database_name text, name text,
  retention text OPTIONS (column_name 'data_retention_time_in_days'),
  managed text OPTIONS (column_name 'managed_access')
) SERVER dml_srv OPTIONS (object 'schemas');
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.schemas_text VALUES ('SALES', 'TEXT_TYPED', '7', 'yes');
SELECT method, path, body FROM pg_temp.requests();
-- should fail
INSERT INTO dml.schemas_text VALUES ('SALES', 'TEXT_BAD', 'seven', NULL);

-- ===================================================================
-- createMode: 409, ON CONFLICT DO NOTHING, create_mode option and GUC
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
-- should fail: the schema exists (SQLSTATE 42P07 with Snowflake's message)
INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'PUBLIC');
\echo :LAST_ERROR_SQLSTATE

-- ON CONFLICT DO NOTHING is ifNotExists; an existing schema is not inserted
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'PUBLIC', 'ignored'), ('SALES', 'IF_NEW', 'created')
  ON CONFLICT DO NOTHING RETURNING name, comment;
SELECT * FROM pg_temp.requests();
SELECT name, comment FROM dml.remote_schemas
  WHERE database_name = 'SALES' AND name = 'PUBLIC';
EXPLAIN (COSTS OFF)
INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'X')
  ON CONFLICT DO NOTHING;
-- should fail: foreign tables have no constraint to infer
INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'X')
  ON CONFLICT (name) DO NOTHING;

-- orReplace only when asked for: the GUC ...
SET snowfdw.create_mode = 'orReplace';
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'IF_NEW', 'replaced');
SELECT method, path, query, status FROM pg_temp.requests();
RESET snowfdw.create_mode;
-- should fail
SET snowfdw.create_mode = 'replace';

-- ... or the table option, which takes precedence over the GUC
CREATE FOREIGN TABLE dml.sales_replace (name text, comment text)
  SERVER dml_srv OPTIONS (object 'schemas', database 'SALES',
                          create_mode 'orReplace');
SET snowfdw.create_mode = 'ifNotExists';
EXPLAIN (COSTS OFF)
INSERT INTO dml.sales_replace VALUES ('IF_NEW', 'again');
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.sales_replace VALUES ('IF_NEW', 'again');
SELECT method, path, query, status, body FROM pg_temp.requests();
RESET snowfdw.create_mode;
SELECT name, comment FROM dml.sales_replace WHERE name = 'IF_NEW';

-- the scope comes from the option; a different column value is an error
CREATE FOREIGN TABLE dml.sales_schemas (database_name text, name text)
  SERVER dml_srv OPTIONS (object 'schemas', database 'SALES');
-- should fail
INSERT INTO dml.sales_schemas VALUES ('MARKETING', 'NOPE');
INSERT INTO dml.sales_schemas VALUES ('SALES', 'SAME_DB'), (NULL, 'FROM_OPTION');

-- ===================================================================
-- a failing multi-row INSERT names what it already created; ROLLBACK
-- does not remove it
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
BEGIN;
-- should fail at the third row
INSERT INTO dml.remote_schemas (database_name, name)
  VALUES ('SALES', 'BATCH_1'), ('SALES', 'batch 2'), ('SALES', 'BATCH_1'),
         ('SALES', 'BATCH_4');
ROLLBACK;
SELECT method, path, query, status, body FROM pg_temp.requests();
-- the first two exist, the fourth was never sent
SELECT name FROM dml.remote_schemas
  WHERE database_name = 'SALES' AND name ILIKE 'batch%' ORDER BY name COLLATE "C";

-- the same for an error of snowfdw's own in a later row
-- should fail
INSERT INTO dml.remote_schemas (database_name, name, owner)
  VALUES ('SALES', 'BATCH_5', NULL), ('SALES', 'BATCH_6', 'ME');

-- ROLLBACK after a successful INSERT does not remove the schema either
BEGIN;
INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'IN_XACT');
ROLLBACK;
SELECT name FROM dml.remote_schemas WHERE database_name = 'SALES' AND name = 'IN_XACT';

-- ===================================================================
-- INSERT into remote_stages and remote_streams
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_stages (database_name, schema_name, name, comment,
                               encryption, directory_table)
  VALUES ('SALES', 'PUBLIC', 'NEW_STAGE', 'internal',
          '{"type": "SNOWFLAKE_SSE"}', '{"enable": true}')
  RETURNING database_name, schema_name, name, comment, encryption,
            directory_table, has_encryption_key, owner, created_on;
-- external stage with write-only credentials: sent, never returned
INSERT INTO dml.remote_stages (database_name, schema_name, name, url,
                               credentials)
  VALUES ('SALES', 'My Schema', 'Ext Stage', 's3://bucket/path/',
          '{"credential_type": "AWS", "aws_key_id": "AKIDTEST", "aws_secret_key": "not-a-secret"}')
  RETURNING name, url, credentials, has_credentials, cloud;
SELECT method, path, query, status, body FROM pg_temp.requests();
-- a text column for a JSON field must hold JSON
CREATE FOREIGN TABLE dml.stages_text (
  database_name text, schema_name text, name text,
  dir text OPTIONS (column_name 'directory_table')
) SERVER dml_srv OPTIONS (object 'stages');
-- should fail
INSERT INTO dml.stages_text VALUES ('SALES', 'PUBLIC', 'BAD', 'not json');
-- should fail: has_credentials is read-only
INSERT INTO dml.remote_stages (database_name, schema_name, name, has_credentials)
  VALUES ('SALES', 'PUBLIC', 'BAD', true);
-- should fail: the schema does not exist (404)
INSERT INTO dml.remote_stages (database_name, schema_name, name)
  VALUES ('SALES', 'NO_SUCH', 'BAD');

CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.remote_streams (database_name, schema_name, name, stream_source, comment)
  VALUES ('SALES', 'PUBLIC', 'NEW_STREAM',
          '{"src_type": "table", "name": "ORDERS", "append_only": true}', 'new')
  RETURNING name, stream_source, mode, table_name, stale, owner;
SELECT method, path, query, status, body FROM pg_temp.requests();
-- should fail: stream_source is required
INSERT INTO dml.remote_streams (database_name, schema_name, name)
  VALUES ('SALES', 'PUBLIC', 'NO_SOURCE');
-- should fail: the scope columns (or table options) give the path
INSERT INTO dml.remote_streams (name, stream_source)
  VALUES ('NO_SCOPE', '{"src_type": "table", "name": "ORDERS"}');

-- copyGrants through the table option
CREATE FOREIGN TABLE dml.public_streams (name text, stream_source jsonb)
  SERVER dml_srv OPTIONS (object 'streams', database 'SALES', schema 'PUBLIC',
                          copy_grants 'true');
EXPLAIN (COSTS OFF)
INSERT INTO dml.public_streams VALUES ('GRANTS_KEPT', '{"src_type": "stage", "name": "RAW"}');
CALL pg_temp.emuctl('clear-log');
INSERT INTO dml.public_streams VALUES ('GRANTS_KEPT', '{"src_type": "stage", "name": "RAW"}');
SELECT method, path, query, status, body FROM pg_temp.requests();

-- ===================================================================
-- UPDATE remote_schemas: GET, then PUT of the merged full definition
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE dml.remote_schemas SET comment = 'changed'
  WHERE database_name = 'SALES' AND name = 'NEW_ONE';
CALL pg_temp.emuctl('clear-log');
UPDATE dml.remote_schemas SET comment = 'changed', log_level = 'INFO'
  WHERE database_name = 'SALES' AND name = 'NEW_ONE';
-- the body keeps every writable field, so PUT changes only what SET says
SELECT method, path, query, status, body FROM pg_temp.requests();
SELECT name, comment, log_level, kind, managed_access, data_retention_time_in_days
  FROM dml.remote_schemas WHERE database_name = 'SALES' AND name = 'NEW_ONE';

-- SET to NULL leaves the field out: it returns to its default
UPDATE dml.remote_schemas SET data_retention_time_in_days = NULL, managed_access = NULL
  WHERE database_name = 'SALES' AND name = 'NEW_ONE'
  RETURNING name, comment, managed_access, data_retention_time_in_days, created_on;

-- several rows, quoted names, RETURNING from a GET after each PUT
CALL pg_temp.emuctl('clear-log');
UPDATE dml.remote_schemas SET comment = upper(name)
  WHERE database_name = 'SALES' AND name IN ('new two', 'Say "hi"')
  RETURNING name, comment;
SELECT method, path, status FROM pg_temp.requests();

-- a table with fewer columns still sends the full definition
CALL pg_temp.emuctl('clear-log');
UPDATE dml.sales_replace SET comment = 'narrow table' WHERE name = 'NEW_ONE';
SELECT method, path, body FROM pg_temp.requests() WHERE method = 'PUT';

-- a schema that vanished between scan and update is skipped
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas/IF_NEW$", "action": "status", "status": 404, "code": "002003", "message": "Schema ''SALES.IF_NEW'' does not exist or not authorized."}');
UPDATE dml.remote_schemas SET comment = 'gone'
  WHERE database_name = 'SALES' AND name LIKE 'IF_NEW%' RETURNING name;
CALL pg_temp.emuctl('clear-faults');
SELECT method, path, query, status FROM pg_temp.requests();

-- a failure in a later row names the schemas already altered
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "PUT", "skip": 1, "action": "status", "status": 500, "message": "Internal error."}');
-- should fail
UPDATE dml.remote_schemas SET comment = 'partial'
  WHERE database_name = 'EMPTY_DB' AND name LIKE 'S\_%';
CALL pg_temp.emuctl('clear-faults');
SELECT method, path, status FROM pg_temp.requests();
SELECT name, comment FROM dml.remote_schemas WHERE database_name = 'EMPTY_DB'
  ORDER BY name;

-- should fail: renames are not supported
UPDATE dml.remote_schemas SET name = 'RENAMED'
  WHERE database_name = 'SALES' AND name = 'NEW_ONE';
-- should fail: nor moves
UPDATE dml.remote_schemas SET database_name = 'MARKETING'
  WHERE database_name = 'SALES' AND name = 'NEW_ONE';
-- should fail: read-only column
UPDATE dml.remote_schemas SET owner = 'ME'
  WHERE database_name = 'SALES' AND name = 'NEW_ONE';
-- should fail: no PUT for stages
UPDATE dml.remote_stages SET comment = 'x' WHERE database_name = 'SALES';
-- should fail: nor for streams
UPDATE dml.remote_streams SET comment = 'x' WHERE database_name = 'SALES';

-- ===================================================================
-- DELETE: scan, then DELETE each object with ifExists=true
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
DELETE FROM dml.remote_schemas WHERE database_name = 'EMPTY_DB';
CALL pg_temp.emuctl('clear-log');
DELETE FROM dml.remote_schemas WHERE database_name = 'EMPTY_DB' AND comment IS NULL;
SELECT method, path, query, status FROM pg_temp.requests();
SELECT name FROM dml.remote_schemas WHERE database_name = 'EMPTY_DB';

-- RETURNING gives the row as scanned
CALL pg_temp.emuctl('clear-log');
DELETE FROM dml.remote_schemas
  WHERE database_name = 'SALES' AND name IN ('new two', 'Say "hi"')
  RETURNING database_name, name, comment, owner;
SELECT method, path, query, status FROM pg_temp.requests() WHERE method = 'DELETE';

-- restrict through the table option
CREATE FOREIGN TABLE dml.sales_restrict (name text)
  SERVER dml_srv OPTIONS (object 'schemas', database 'SALES', restrict 'true');
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM dml.sales_restrict WHERE name = 'NEW_ONE';
CALL pg_temp.emuctl('clear-log');
DELETE FROM dml.sales_restrict WHERE name = 'NEW_ONE';
SELECT method, path, query, status FROM pg_temp.requests();

-- a row that vanished since the scan is no error: here the join yields the
-- same schema twice, and the second DELETE finds it gone
CALL pg_temp.emuctl('clear-log');
DELETE FROM dml.remote_schemas s USING (VALUES (1), (2)) v(n)
  WHERE s.database_name = 'SALES' AND s.name = 'FROM_OPTION';
SELECT method, path, query, status FROM pg_temp.requests();

-- rows of dropped schemas (history) are skipped: the calls address live
-- schemas by name, and PHOENIX lives again under the same name
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'PHOENIX', 'first life');
DELETE FROM dml.remote_schemas WHERE database_name = 'SALES' AND name = 'PHOENIX';
INSERT INTO dml.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'PHOENIX', 'second life');
CREATE FOREIGN TABLE dml.sales_history (name text, comment text, dropped_on timestamptz)
  SERVER dml_srv OPTIONS (object 'schemas', database 'SALES', history 'true');
SELECT name, comment, dropped_on FROM dml.sales_history
  WHERE name LIKE 'PHOENIX%' OR name = 'OLD_STUFF' ORDER BY name, dropped_on;
CALL pg_temp.emuctl('clear-log');
DELETE FROM dml.sales_history WHERE dropped_on IS NOT NULL RETURNING name;
UPDATE dml.sales_history SET comment = 'no' WHERE dropped_on IS NOT NULL RETURNING name;
SELECT method, path, query, status FROM pg_temp.requests() WHERE method <> 'GET';
SELECT name, comment FROM dml.sales_history WHERE name LIKE 'PHOENIX%' AND dropped_on IS NULL;

-- DELETE is repeated after a 504: ifExists=true makes that safe
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": 1, "action": "status", "status": 504}');
DELETE FROM dml.remote_schemas WHERE database_name = 'SALES' AND name = 'SAME_DB';
CALL pg_temp.emuctl('clear-faults');
SELECT method, path, query, status FROM pg_temp.requests() WHERE method = 'DELETE';
-- a create with errorIfExists is not: a repeat could turn success into 409
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "POST", "times": 1, "action": "status", "status": 504}');
-- should fail
INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'AFTER_504');
CALL pg_temp.emuctl('clear-faults');
SELECT method, path, query, status FROM pg_temp.requests();

-- stages and streams; scope from the table options
CREATE FOREIGN TABLE dml.public_stages (name text, comment text)
  SERVER dml_srv OPTIONS (object 'stages', database 'SALES', schema 'PUBLIC');
CALL pg_temp.emuctl('clear-log');
DELETE FROM dml.public_stages WHERE name = 'NEW_STAGE';
DELETE FROM dml.remote_stages WHERE database_name = 'SALES' AND schema_name = 'My Schema'
  AND name = 'Ext Stage';
DELETE FROM dml.public_streams WHERE name IN ('NEW_STREAM', 'GRANTS_KEPT');
SELECT method, path, query, status FROM pg_temp.requests() WHERE method = 'DELETE';

-- a failure in a later row names the objects already dropped
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "skip": 1, "action": "status", "status": 403, "message": "Insufficient privileges."}');
-- should fail
DELETE FROM dml.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'BATCH%';
CALL pg_temp.emuctl('clear-faults');
SELECT method, path, query, status FROM pg_temp.requests() WHERE method = 'DELETE';

-- a table without the name column cannot say which object to drop
CREATE FOREIGN TABLE dml.no_name (database_name text, comment text)
  SERVER dml_srv OPTIONS (object 'schemas');
-- should fail
DELETE FROM dml.no_name;
-- nor one without the scope, as column or option
CREATE FOREIGN TABLE dml.no_scope (name text)
  SERVER dml_srv OPTIONS (object 'stages');
-- should fail
DELETE FROM dml.no_scope;

-- ===================================================================
-- stage_files is read-only
-- ===================================================================
-- should fail
INSERT INTO dml.stage_files (database_name, schema_name, stage_name, name)
  VALUES ('SALES', 'PUBLIC', 'RAW', 'x.csv');
-- should fail
UPDATE dml.stage_files SET name = 'y';
-- should fail
DELETE FROM dml.stage_files WHERE database_name = 'SALES';

-- read-only transactions refuse DML before any call
BEGIN READ ONLY;
-- should fail
INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'RO');
ROLLBACK;

-- EXPLAIN ANALYZE counts the calls of the modification
SELECT * FROM pg_temp.explain_analyze($$INSERT INTO dml.remote_schemas (database_name, name) VALUES ('SALES', 'ANALYZED')
  RETURNING name$$);

-- ===================================================================
-- clean up
-- ===================================================================
DROP SCHEMA dml CASCADE;
DROP SERVER dml_srv CASCADE;
