-- One backend doing :iterations rounds of scans, writes, failures,
-- invalidations and disconnects (run by run.sh -l under valgrind
-- --leak-check=full): its leak summary at exit is compared between counts.
--   psql -v iterations=N -f leak.sql
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql
SELECT pg_read_file(:'key_dir' || '/ec.pem') AS ec_key,
       pg_read_file(:'key_dir' || '/alice_enc.pem') AS alice_enc_key \gset
\set ECHO none
-- the key errors below are statements that fail: keep their text (keys) out
-- of the server log
SET log_min_error_statement = panic;
\pset tuples_only on
\pset format unaligned
SELECT 'backend pid: ' || pg_backend_pid();

-- each generated statement runs on its own (autocommit), so invalidated
-- sessions are rebuilt and replaced ones freed as in real use
SELECT
  'SELECT count(*) FROM leak_sales',
  'SELECT count(*) FROM leak_all',
  'SELECT count(*) FROM leak_jwt_schemas',
  'SELECT count(*) FROM leak_jwt_enc_schemas',
  -- an error after the transfer (404), a retried 503, a dropped connection
  'SELECT count(*) FROM leak_missing',
  $$CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "0", "times": 1}')$$,
  'SELECT count(*) FROM leak_sales',
  $$CALL pg_temp.emuctl('fault', '{"action": "drop", "times": 1}')$$,
  'SELECT count(*) FROM leak_sales',
  -- a 401 makes a new JWT (the old one is freed); Retry-After as an HTTP date
  $$CALL pg_temp.emuctl('fault', '{"action": "status", "status": 401, "times": 1}')$$,
  'SELECT count(*) FROM leak_jwt_schemas',
  $$CALL pg_temp.emuctl('fault', '{"action": "status", "status": 503, "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT", "times": 1}')$$,
  'SELECT count(*) FROM leak_sales',
  -- key errors: an EC key, wrong passphrases, text that is no PEM
  format($$ALTER USER MAPPING FOR CURRENT_USER SERVER leak_bad_keys OPTIONS (SET private_key %L)$$,
         CASE g % 4 WHEN 0 THEN :'ec_key' WHEN 3 THEN 'not a key' ELSE :'alice_enc_key' END),
  format($$ALTER USER MAPPING FOR CURRENT_USER SERVER leak_bad_keys OPTIONS (SET private_key_passphrase %L)$$,
         CASE g % 4 WHEN 1 THEN 'wrong' ELSE 'also wrong' END),
  'SELECT count(*) FROM leak_bad_key_schemas',
  -- INSERT ... RETURNING (POST, then GET) and DELETE (GET by name, DELETE)
  format($$INSERT INTO leak_rw VALUES ('SALES', 'LEAK_%s', 'c') RETURNING name$$, g),
  format($$DELETE FROM leak_rw WHERE database_name = 'SALES' AND name = 'LEAK_%s'$$, g),
  -- invalidation of a session in use elsewhere, then a rebuild
  format($$ALTER SERVER leak_pat OPTIONS (SET max_retries '%s')$$, 3 + g % 2),
  format($$ALTER USER MAPPING FOR CURRENT_USER SERVER leak_jwt OPTIONS (SET user '%s')$$,
         CASE WHEN g % 2 = 0 THEN 'alice' ELSE 'ALICE' END),
  'SELECT count(*) FROM leak_jwt_schemas',
  CASE WHEN g % 5 = 0 THEN 'SELECT snowfdw_disconnect_all()' ELSE 'SELECT 1' END,
  -- a cursor keeps a session in use across statements of a transaction
  'BEGIN; DECLARE c CURSOR FOR SELECT name FROM leak_sales; FETCH 2 FROM c; SELECT snowfdw_disconnect(''leak_pat''); COMMIT'
FROM generate_series(1, :iterations) g \gexec
SELECT 'iterations done: ' || :iterations;
