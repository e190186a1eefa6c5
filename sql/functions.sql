-- SQL functions: clone and undrop schemas, clone streams, presigned URLs
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER fn_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER fn_srv OPTIONS (token :'pat');
CREATE SCHEMA fn;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER fn_srv INTO fn;

-- the request log, without connection ids
CREATE FUNCTION pg_temp.requests()
RETURNS TABLE (method text, path text, query text, status int, body text)
LANGUAGE sql AS $$
  SELECT method, path, query, status, body FROM pg_temp.emu_requests() ORDER BY seq
$$;

\df snowfdw_clone_schema
\df snowfdw_undrop_schema
\df snowfdw_clone_stream
\df snowfdw_presign

-- ===================================================================
-- snowfdw_clone_schema
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'PUBLIC_COPY');
-- names are stored names: quoted as identifiers in the path and the body
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'My Schema', 'my "copy"');
-- into another database
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'STAGING', 'Staging Copy',
                            target_database => 'MARKETING');
SELECT * FROM pg_temp.requests();
-- the clones exist, with the stages of their source
SELECT database_name, name FROM fn.remote_schemas
  WHERE (database_name = 'SALES' AND name IN ('PUBLIC_COPY', 'my "copy"'))
     OR (database_name = 'MARKETING' AND name = 'Staging Copy')
  ORDER BY database_name, name COLLATE "C";
SELECT name FROM fn.remote_stages
  WHERE database_name = 'SALES' AND schema_name = 'PUBLIC_COPY' ORDER BY name COLLATE "C";

-- point of time, as common.yaml's PointOfTime: type, reference, value
CALL pg_temp.emuctl('clear-log');
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'AT_OFFSET',
                            point_of_time_type => 'offset', point_of_time => '-120');
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'AT_TIMESTAMP', NULL,
                            'timestamp', 'TO_TIMESTAMP(1735689600)', 'before');
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'AT_STATEMENT',
                            point_of_time_type => 'statement',
                            point_of_time => '01bcf40d-0002-197f-0000-045701e2306e',
                            reference => NULL);
SELECT body FROM pg_temp.requests();

-- createMode: errorIfExists by default (409), ifNotExists, orReplace
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'PUBLIC_COPY');
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'PUBLIC_COPY',
                            create_mode => 'ifNotExists');
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'STAGING', 'PUBLIC_COPY',
                            create_mode => 'orReplace');
SELECT method, path, query, status FROM pg_temp.requests();
-- the replacement is a clone of STAGING, which has no stages
SELECT count(*) AS stages FROM fn.remote_stages
  WHERE database_name = 'SALES' AND schema_name = 'PUBLIC_COPY';

-- argument errors, before any call
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'X', create_mode => 'replace');
-- should fail
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'X',
                            point_of_time_type => 'stream', point_of_time => 'S1');
-- should fail
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'X', point_of_time => '-60');
-- should fail
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', NULL);
-- should fail
SELECT snowfdw_clone_schema('fn_srv', '', 'PUBLIC', 'X');
-- should fail
SELECT snowfdw_clone_schema(NULL, 'SALES', 'PUBLIC', 'X');
SELECT count(*) AS requests FROM pg_temp.requests();
-- should fail: no such source (404)
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'NO_SUCH', 'X');

-- ===================================================================
-- snowfdw_undrop_schema
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
SELECT snowfdw_undrop_schema('fn_srv', 'SALES', 'OLD_STUFF');
-- should fail: it is live now (409)
SELECT snowfdw_undrop_schema('fn_srv', 'SALES', 'OLD_STUFF');
-- should fail: never dropped (404)
SELECT snowfdw_undrop_schema('fn_srv', 'SALES', 'NEVER_THERE');
SELECT * FROM pg_temp.requests();
-- the schema is back, with its stages
SELECT name, dropped_on FROM fn.remote_schemas
  WHERE database_name = 'SALES' AND name = 'OLD_STUFF';
SELECT name FROM fn.remote_stages WHERE database_name = 'SALES' AND schema_name = 'OLD_STUFF';

-- undrop after a DELETE through the foreign table
DELETE FROM fn.remote_schemas WHERE database_name = 'SALES' AND name = 'my "copy"';
SELECT snowfdw_undrop_schema('fn_srv', 'SALES', 'my "copy"');

-- ===================================================================
-- snowfdw_clone_stream
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
-- targets default to the source's; both are always sent
SELECT snowfdw_clone_stream('fn_srv', 'SALES', 'PUBLIC', 'ORDERS_STREAM', 'ORDERS_STREAM_2');
SELECT snowfdw_clone_stream('fn_srv', 'SALES', 'My Schema', 'Mixed Stream', 'Mixed Copy',
                            target_schema => 'PUBLIC');
SELECT snowfdw_clone_stream('fn_srv', 'SALES', 'PUBLIC', 'ORDERS_APPEND', 'CLICKS_COPY',
                            'MARKETING', 'CAMPAIGNS', copy_grants => true);
-- should fail (409)
SELECT snowfdw_clone_stream('fn_srv', 'SALES', 'PUBLIC', 'ORDERS_STREAM', 'ORDERS_STREAM_2');
SELECT snowfdw_clone_stream('fn_srv', 'SALES', 'PUBLIC', 'ORDERS_APPEND', 'ORDERS_STREAM_2',
                            create_mode => 'orReplace');
SELECT * FROM pg_temp.requests();
SELECT database_name, schema_name, name, comment, mode, stream_source->>'name' AS source
  FROM fn.remote_streams
  WHERE (database_name = 'SALES' AND schema_name = 'PUBLIC'
         AND name IN ('ORDERS_STREAM_2', 'Mixed Copy'))
     OR (database_name = 'MARKETING' AND schema_name = 'CAMPAIGNS' AND name = 'CLICKS_COPY')
  ORDER BY database_name, name COLLATE "C";
-- should fail
SELECT snowfdw_clone_stream('fn_srv', 'SALES', NULL, 'ORDERS_STREAM', 'X');
-- should fail
SELECT snowfdw_clone_stream('fn_srv', 'SALES', 'PUBLIC', 'ORDERS_STREAM', 'X',
                            create_mode => NULL);

-- ===================================================================
-- snowfdw_presign
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
-- "/" stays a separator, each component is percent-encoded
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/2024/03/data_2.csv.gz');
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'My Stage', 'dir one/a b.csv', 60);
SELECT snowfdw_presign('fn_srv', 'SALES', 'x:y', 'S:1', 's:1/x.csv',
                       expiration_seconds => 604800);
SELECT * FROM pg_temp.requests();
-- with the file names stage_files lists
SELECT f.name, snowfdw_presign('fn_srv', f.database_name, f.schema_name, f.stage_name,
                               f.name, 300) LIKE 'https://%' AS presigned
  FROM fn.stage_files f
  WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW'
  ORDER BY f.name;

CALL pg_temp.emuctl('clear-log');
-- should fail: no such file (404)
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/missing.csv');
-- should fail: only server-side encrypted internal stages (400)
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'ARCHIVE', 'archive/old_0.csv');
-- should fail: Snowflake's limit of 7 days (400)
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv', 604801);
SELECT method, path, status, body FROM pg_temp.requests();
-- should fail: the path is one %2F-encoded segment, so ".." cannot climb out
-- of the stage; Snowflake just has no such file
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/../secret.csv');
-- should fail
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', '/raw/data_0.csv');
-- should fail
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv', 0);

-- ===================================================================
-- servers, mappings, privileges, read-only transactions
-- ===================================================================
-- should fail
SELECT snowfdw_undrop_schema('no_such_server', 'SALES', 'X');
CREATE FOREIGN DATA WRAPPER regress_fn_other_fdw;
CREATE SERVER regress_fn_other FOREIGN DATA WRAPPER regress_fn_other_fdw;
-- should fail
SELECT snowfdw_undrop_schema('regress_fn_other', 'SALES', 'X');

CREATE ROLE regress_snowfdw_fn_user;
SET ROLE regress_snowfdw_fn_user;
-- should fail: no USAGE on the server
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv');
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER fn_srv TO regress_snowfdw_fn_user;
SET ROLE regress_snowfdw_fn_user;
-- should fail: no user mapping
-- (PostgreSQL's own message: its wording changed in 17)
\set VERBOSITY sqlstate
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv');
\set VERBOSITY default
RESET ROLE;
-- the caller's own mapping is used: BOB's OAuth token
CREATE USER MAPPING FOR regress_snowfdw_fn_user SERVER fn_srv
  OPTIONS (token :'oauth', token_type 'OAUTH');
SET ROLE regress_snowfdw_fn_user;
SELECT snowfdw_clone_schema('fn_srv', 'MARKETING', 'PUBLIC', 'BOBS_COPY');
RESET ROLE;
SELECT name, owner FROM fn.remote_schemas
  WHERE database_name = 'MARKETING' AND name = 'BOBS_COPY';

BEGIN READ ONLY;
-- should fail
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'READ_ONLY');
ROLLBACK;
BEGIN READ ONLY;
-- a presigned URL changes nothing: allowed
SELECT snowfdw_presign('fn_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv') LIKE 'https://%';
COMMIT;

-- a clone is not undone by ROLLBACK
BEGIN;
SELECT snowfdw_clone_schema('fn_srv', 'SALES', 'PUBLIC', 'KEPT_AFTER_ROLLBACK');
ROLLBACK;
SELECT name FROM fn.remote_schemas WHERE database_name = 'SALES' AND name = 'KEPT_AFTER_ROLLBACK';

-- ===================================================================
-- clean up
-- ===================================================================
DROP SERVER regress_fn_other;
DROP FOREIGN DATA WRAPPER regress_fn_other_fdw;
DROP SCHEMA fn CASCADE;
DROP SERVER fn_srv CASCADE;
DROP ROLE regress_snowfdw_fn_user;
