-- Objects for leak.sql (run once, in database postgres, by run.sh -l).
-- Servers for each credential kind: programmatic access token, key-pair JWT
-- with a plain key and with an encrypted key.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql
SELECT pg_read_file(:'key_dir' || '/alice.pem') AS alice_key,
       pg_read_file(:'key_dir' || '/alice_enc.pem') AS alice_enc_key,
       pg_read_file(:'key_dir' || '/ec.pem') AS ec_key \gset
\set ECHO none

CREATE SERVER leak_pat FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '3', max_retries '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER leak_pat OPTIONS (token :'pat');
CREATE SERVER leak_jwt FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'myorg-myaccount');
CREATE USER MAPPING FOR CURRENT_USER SERVER leak_jwt
  OPTIONS (user 'alice', private_key :'alice_key');
CREATE SERVER leak_jwt_enc FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'myorg-myaccount');
CREATE USER MAPPING FOR CURRENT_USER SERVER leak_jwt_enc
  OPTIONS (user 'alice', private_key :'alice_enc_key',
           private_key_passphrase 'test-passphrase-42');

-- key-pair mappings that fail before any request: OpenSSL error paths.  The
-- validator refuses a bad key, so the mapping is made with a good one and the
-- EC key is put into the catalog directly: the query-time check still runs.
CREATE SERVER leak_bad_keys FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'myorg-myaccount');
CREATE USER MAPPING FOR CURRENT_USER SERVER leak_bad_keys
  OPTIONS (user 'alice', private_key :'alice_key');
UPDATE pg_user_mapping
   SET umoptions = ARRAY['user=alice', 'private_key=' || :'ec_key', 'private_key_passphrase=x']
 WHERE umserver = (SELECT oid FROM pg_foreign_server WHERE srvname = 'leak_bad_keys');
CREATE FOREIGN TABLE leak_bad_key_schemas (name text)
  SERVER leak_bad_keys OPTIONS (object 'schemas', database 'SALES');

-- paged listing of one database
CREATE FOREIGN TABLE leak_sales (name text, comment text, created_on timestamptz)
  SERVER leak_pat OPTIONS (object 'schemas', database 'SALES');
-- fan-out: every database is listed, then its schemas, concurrently
CREATE FOREIGN TABLE leak_all (database_name text, name text)
  SERVER leak_pat OPTIONS (object 'schemas');
-- a listing that fails with 404
CREATE FOREIGN TABLE leak_missing (name text)
  SERVER leak_pat OPTIONS (object 'schemas', database 'NO_SUCH_DB');
-- writes
CREATE FOREIGN TABLE leak_rw (database_name text, name text, comment text)
  SERVER leak_pat OPTIONS (object 'schemas');
CREATE FOREIGN TABLE leak_jwt_schemas (name text)
  SERVER leak_jwt OPTIONS (object 'schemas', database 'MARKETING');
CREATE FOREIGN TABLE leak_jwt_enc_schemas (name text)
  SERVER leak_jwt_enc OPTIONS (object 'schemas', database 'MARKETING');
