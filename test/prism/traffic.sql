-- snowfdw's representative REST traffic, sent through a Prism proxy that
-- validates every request and response against the Snowflake OpenAPI spec.
-- Run by test/prism/check.sh with ON_ERROR_STOP:
--   -v prism_url=http://127.0.0.1:PORT   Prism, in front of a private emulator
--   -v pat=...                           ALICE's programmatic access token
--   -v key_file=PATH                     ALICE's private key ('' to skip key-pair auth)
-- A request or response that breaks the spec becomes a Prism 4xx/5xx, which
-- the FDW reports as an error naming the HTTP status: the script stops there.
-- Prism's 404 for an unroutable path would look like "object not found" to a
-- fetch, so check.sh also compares Prism's and the emulator's request counts.
\set ECHO none
\set VERBOSITY verbose
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS snowfdw;
-- a violation is a 5xx from Prism: report it at once, do not retry it
SET snowfdw.max_retries = 0;

CREATE SERVER prism_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'prism_url', page_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER prism_srv OPTIONS (token :'pat');
\set ECHO queries

-- ===================================================================
-- IMPORT FOREIGN SCHEMA: no request, but the tables the rest uses
-- ===================================================================
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER prism_srv INTO sf;
CREATE SCHEMA sales_public;
IMPORT FOREIGN SCHEMA snowflake LIMIT TO (remote_stages, remote_streams, stage_files)
  FROM SERVER prism_srv INTO sales_public OPTIONS (database 'SALES', schema 'PUBLIC');

-- ===================================================================
-- account-wide lists: listDatabases, listSchemas, listStages,
-- listStreams, listFiles (paged by showLimit + fromName, page_size 3)
-- ===================================================================
SELECT database_name, name FROM sf.remote_schemas ORDER BY 1, name COLLATE "C";
SELECT database_name, schema_name, name FROM sf.remote_stages ORDER BY 1, 2, name COLLATE "C";
SELECT database_name, schema_name, name, stream_source->>'src_type' AS src
  FROM sf.remote_streams ORDER BY 1, 2, name COLLATE "C";
SELECT database_name, schema_name, stage_name, name, size
  FROM sf.stage_files ORDER BY 1, 2, 3, name COLLATE "C";
-- scoped by table options
SELECT name, url FROM sales_public.remote_stages ORDER BY name COLLATE "C";
SELECT name, mode, stale FROM sales_public.remote_streams ORDER BY name;
SELECT stage_name, count(*) FROM sales_public.stage_files GROUP BY 1 ORDER BY stage_name COLLATE "C";

-- ===================================================================
-- fetch by name: quoted and percent-encoded identifiers
-- ===================================================================
SELECT n AS asked, s.name, s.comment
  FROM unnest(ARRAY['PUBLIC', 'My Schema', 'we"ird', 'a/b', 'x:y', 'my schema', 'NOPE']) n
  LEFT JOIN LATERAL (SELECT name, comment FROM sf.remote_schemas
                      WHERE database_name = 'SALES' AND name = n) s ON true
 ORDER BY n COLLATE "C";
SELECT name, comment FROM sf.remote_stages
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'My Stage';
SELECT name, comment FROM sf.remote_stages
 WHERE database_name = 'SALES' AND schema_name = 'My Schema' AND name = 'Files';
SELECT name, mode FROM sf.remote_streams
 WHERE database_name = 'SALES' AND schema_name = 'My Schema' AND name = 'Mixed Stream';
SELECT name FROM sf.remote_streams
 WHERE database_name = 'MARKETING' AND schema_name = 'CAMPAIGNS' AND name IN ('CLICKS_STREAM', 'EXT_STREAM', 'NOPE')
 ORDER BY name;
SELECT name FROM sf.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'My Schema' AND stage_name = 'Files';

-- ===================================================================
-- list parameters: like, startsWith, showLimit, fromName, pattern, history
-- ===================================================================
SELECT name FROM sf.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'ST%';
SELECT name FROM sf.remote_schemas WHERE database_name = 'SALES' AND name LIKE '%i%' ORDER BY name COLLATE "C";
SELECT name FROM sf.remote_schemas WHERE database_name = 'SALES' AND name ILIKE 'pub%';
SELECT name FROM sf.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name LIKE 'A%';
SELECT name FROM sf.remote_streams
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name LIKE 'ORDERS%' ORDER BY name;
SELECT name FROM sf.remote_schemas WHERE database_name = 'SALES' LIMIT 2;
SELECT name FROM sf.remote_streams WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' LIMIT 1;
SELECT name FROM sf.remote_schemas WHERE database_name = 'SALES' AND comment IS NOT NULL LIMIT 4;
SELECT name, size FROM sf.stage_files
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND stage_name = 'RAW' AND name ~ 'data_[0-9]'
 ORDER BY name;
SELECT name, dropped_on IS NOT NULL AS dropped FROM sf.remote_schemas
 WHERE database_name = 'SALES' AND dropped_on IS NOT NULL;
CREATE FOREIGN TABLE sf.schema_history (database_name text, name text, dropped_on timestamptz)
  SERVER prism_srv OPTIONS (object 'schemas', history 'true');
SELECT database_name, name, dropped_on IS NOT NULL AS dropped FROM sf.schema_history
 ORDER BY 1, name COLLATE "C", 3;
SELECT database_name, count(*) FROM sf.remote_schemas
 WHERE database_name IN ('SALES', 'MARKETING', 'EMPTY_DB') GROUP BY 1 ORDER BY 1;

-- ===================================================================
-- fetchResult: a 202 answer polled through its Location, and a list
-- paged through Link headers (emulator faults, set from the client side)
-- ===================================================================
\! /usr/bin/python3 "$SNOWFDW_EMUCTL" fault '{"method": "GET", "path": "/schemas/STAGING$", "times": 1, "action": "async", "polls": 2}'
SELECT name FROM sf.remote_schemas WHERE database_name = 'SALES' AND name = 'STAGING';
\! /usr/bin/python3 "$SNOWFDW_EMUCTL" fault '{"method": "GET", "path": "/databases/MARKETING/schemas$", "times": 1, "action": "link_pages", "page_size": 1}'
SELECT name FROM sf.remote_schemas WHERE database_name = 'MARKETING' ORDER BY name;
\! /usr/bin/python3 "$SNOWFDW_EMUCTL" clear-faults

-- ===================================================================
-- key-pair JWT authentication (when the harness made ALICE's key)
-- ===================================================================
\if :{?key_file}
\set ECHO none
SELECT :'key_file' <> '' AS have_key \gset
\if :have_key
SELECT pg_read_file(:'key_file') AS alice_key \gset
CREATE SERVER prism_jwt FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'prism_url', account 'myorg-myaccount');
CREATE USER MAPPING FOR CURRENT_USER SERVER prism_jwt
  OPTIONS (user 'ALICE', private_key :'alice_key');
\unset alice_key
\set ECHO queries
CREATE FOREIGN TABLE jwt_schemas (name text)
  SERVER prism_jwt OPTIONS (object 'schemas', database 'SALES');
SELECT count(*) > 0 AS listed FROM jwt_schemas;
\endif
\set ECHO queries
\endif

-- the write path and the action functions, when this build has them
SELECT is_insertable_into = 'YES' AS have_dml FROM information_schema.tables
 WHERE table_schema = 'sf' AND table_name = 'remote_schemas' \gset
SELECT count(*) = 4 AS have_functions FROM pg_proc
 WHERE proname IN ('snowfdw_clone_schema', 'snowfdw_undrop_schema',
                   'snowfdw_clone_stream', 'snowfdw_presign') \gset
\if :have_dml
\else
\echo PRISM-SKIPPED: INSERT/UPDATE/DELETE (this build of snowfdw has no write path)
\endif
\if :have_functions
\else
\echo PRISM-SKIPPED: snowfdw_clone_schema/undrop_schema/clone_stream/presign (not in this build)
\endif

\if :have_dml
-- ===================================================================
-- INSERT / UPDATE / DELETE: createSchema, createOrAlterSchema (PUT),
-- deleteSchema, createStage, deleteStage, createStream, deleteStream
-- ===================================================================
INSERT INTO sf.remote_schemas (database_name, name, comment, kind, managed_access,
                               data_retention_time_in_days)
  VALUES ('SALES', 'PRISM_ONE', 'first', 'TRANSIENT', true, 3);
INSERT INTO sf.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'prism two', 'quoted'), ('SALES', 'Say "hi" there', NULL)
  RETURNING database_name, name, comment, owner;
INSERT INTO sf.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'PUBLIC', 'ignored'), ('SALES', 'PRISM_IF_NEW', 'created')
  ON CONFLICT DO NOTHING RETURNING name, comment;
SET snowfdw.create_mode = 'orReplace';
INSERT INTO sf.remote_schemas (database_name, name, comment)
  VALUES ('SALES', 'PRISM_IF_NEW', 'replaced');
RESET snowfdw.create_mode;
UPDATE sf.remote_schemas SET comment = 'changed', log_level = 'INFO'
  WHERE database_name = 'SALES' AND name = 'PRISM_ONE';
UPDATE sf.remote_schemas SET comment = upper(name), managed_access = NULL
  WHERE database_name = 'SALES' AND name IN ('prism two', 'Say "hi" there')
  RETURNING name, comment;
SELECT name, comment, log_level, kind, managed_access, data_retention_time_in_days
  FROM sf.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'PRISM%' ORDER BY name;

INSERT INTO sf.remote_stages (database_name, schema_name, name, comment,
                              encryption, directory_table)
  VALUES ('SALES', 'PUBLIC', 'PRISM_STAGE', 'internal',
          '{"type": "SNOWFLAKE_SSE"}', '{"enable": true}')
  RETURNING name, comment, encryption, directory_table;
INSERT INTO sf.remote_stages (database_name, schema_name, name, url, credentials)
  VALUES ('SALES', 'My Schema', 'Prism Ext', 's3://bucket/path/',
          '{"credential_type": "AWS", "aws_key_id": "AKIDTEST", "aws_secret_key": "not-a-secret"}')
  RETURNING name, url, has_credentials;
INSERT INTO sf.remote_streams (database_name, schema_name, name, stream_source, comment)
  VALUES ('SALES', 'PUBLIC', 'PRISM_STREAM',
          '{"src_type": "table", "name": "ORDERS", "append_only": true}', 'new')
  RETURNING name, stream_source, mode, table_name;
INSERT INTO sf.remote_streams (database_name, schema_name, name, stream_source)
  VALUES ('SALES', 'My Schema', 'Prism Stage Stream', '{"src_type": "stage", "name": "\"Files\""}');
CREATE FOREIGN TABLE sf.public_streams_grants (name text, stream_source jsonb)
  SERVER prism_srv OPTIONS (object 'streams', database 'SALES', schema 'PUBLIC',
                            copy_grants 'true');
INSERT INTO sf.public_streams_grants VALUES ('PRISM_GRANTS', '{"src_type": "view", "name": "ORDERS_V"}');

\endif

\if :have_functions
-- ===================================================================
-- functions: cloneSchema, undropSchema, cloneStream, getPresignedUrl
-- ===================================================================
SELECT snowfdw_clone_schema('prism_srv', 'SALES', 'My Schema', 'Prism Clone');
SELECT snowfdw_clone_schema('prism_srv', 'SALES', 'PUBLIC', 'PRISM_CLONE2',
                            target_database => 'MARKETING',
                            point_of_time_type => 'offset', point_of_time => '-60',
                            reference => 'before', create_mode => 'orReplace');
SELECT snowfdw_clone_stream('prism_srv', 'SALES', 'PUBLIC', 'ORDERS_STREAM', 'PRISM_STREAM_COPY');
SELECT snowfdw_clone_stream('prism_srv', 'SALES', 'PUBLIC', 'ORDERS_STREAM', 'Prism Copy',
                            target_database => 'SALES', target_schema => 'My Schema',
                            copy_grants => true, create_mode => 'ifNotExists');
-- file paths of one component (relative to the stage directory)
SELECT snowfdw_presign('prism_srv', 'SALES', 'PUBLIC', 'RAW', 'data_0.csv') LIKE 'https://%' AS presigned;
SELECT snowfdw_presign('prism_srv', 'SALES', 'PUBLIC', 'My Stage', 'ü.json', 120) LIKE 'https://%' AS presigned;
\endif

\if :have_dml
-- DELETE: deleteSchema/Stage/Stream with ifExists=true (and restrict)
DELETE FROM sf.remote_schemas
  WHERE database_name = 'SALES' AND name IN ('prism two', 'Say "hi" there')
  RETURNING name;
CREATE FOREIGN TABLE sf.sales_restrict (name text)
  SERVER prism_srv OPTIONS (object 'schemas', database 'SALES', restrict 'true');
DELETE FROM sf.sales_restrict WHERE name = 'PRISM_IF_NEW';
\if :have_functions
SELECT snowfdw_undrop_schema('prism_srv', 'SALES', 'Say "hi" there');
\endif
DELETE FROM sf.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'PRISM_STAGE';
DELETE FROM sf.remote_stages WHERE database_name = 'SALES' AND schema_name = 'My Schema' AND name = 'Prism Ext';
DELETE FROM sf.remote_streams
  WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name LIKE 'PRISM%';
DELETE FROM sf.remote_streams
  WHERE database_name = 'SALES' AND schema_name = 'My Schema' AND name LIKE 'Prism%';

\endif

-- ===================================================================
-- file paths with "/": one {filePath} segment, the slashes sent as %2F
-- ===================================================================
\if :have_functions
SELECT snowfdw_presign('prism_srv', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv') LIKE 'https://%' AS presigned;
SELECT snowfdw_presign('prism_srv', 'SALES', 'PUBLIC', 'My Stage', 'dir one/a b.csv') LIKE 'https://%' AS presigned;
\endif

SELECT server_name, requests > 0 AS used FROM snowfdw_get_connections() ORDER BY 1;
