-- Authentication: each credential kind, key-pair JWT failures, option checks
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

-- what the emulator recorded per request: token type and why auth failed
CREATE FUNCTION pg_temp.auth_log()
RETURNS TABLE (seq int, status int, token_type text, auth_error text)
LANGUAGE sql AS $$
  SELECT (e->>'seq')::int, (e->>'status')::int, e->>'token_type',
         regexp_replace(regexp_replace(e->>'auth_error',
                                       'SHA256:[A-Za-z0-9+/=]+', 'SHA256:...'),
                        '[0-9]{9,}', 'N', 'g')
    FROM jsonb_array_elements((SELECT string_agg(l, E'\n')::jsonb
                                 FROM pg_temp.emu('log') l)) e
   ORDER BY 1 $$;

-- the keys, read without echoing them
SELECT pg_read_file(:'key_dir' || '/alice.pem') AS alice_key,
       pg_read_file(:'key_dir' || '/alice_enc.pem') AS alice_enc_key,
       pg_read_file(:'key_dir' || '/other.pem') AS other_key,
       pg_read_file(:'key_dir' || '/alice_cap.pem') AS alice_cap_key,
       pg_read_file(:'key_dir' || '/alice_over.pem') AS alice_over_key,
       pg_read_file(:'key_dir' || '/alice_slow.pem') AS alice_slow_key,
       pg_read_file(:'key_dir' || '/alice_scrypt.pem') AS alice_scrypt_key \gset
\set ECHO none
\set passphrase 'test-passphrase-42'
\set ECHO all

-- ===================================================================
-- programmatic access token (the default token_type)
-- ===================================================================
CREATE SERVER auth_pat FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_pat OPTIONS (token :'pat');
CREATE FOREIGN TABLE pat_schemas (name text)
  SERVER auth_pat OPTIONS (object 'schemas', database 'SALES');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM pat_schemas;
SELECT * FROM pg_temp.auth_log();

-- ===================================================================
-- OAuth token (BOB)
-- ===================================================================
CREATE SERVER auth_oauth FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_oauth
  OPTIONS (token :'oauth', token_type 'OAUTH');
CREATE FOREIGN TABLE oauth_schemas (name text)
  SERVER auth_oauth OPTIONS (object 'schemas', database 'SALES');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM oauth_schemas;
SELECT * FROM pg_temp.auth_log();

-- a token sent with the wrong token type is refused: class 28 and a hint
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_oauth
  OPTIONS (SET token_type 'PROGRAMMATIC_ACCESS_TOKEN');
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT count(*) FROM oauth_schemas;
\echo :LAST_ERROR_SQLSTATE
-- a token is never renewed: one request
SELECT * FROM pg_temp.auth_log();

-- ===================================================================
-- key-pair JWT with an unencrypted key (account and user in any case)
-- ===================================================================
CREATE SERVER auth_jwt FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'myorg-myaccount');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_jwt
  OPTIONS (user 'alice', private_key :'alice_key');
CREATE FOREIGN TABLE jwt_schemas (name text)
  SERVER auth_jwt OPTIONS (object 'schemas', database 'SALES');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM jwt_schemas;
SELECT count(*) FROM jwt_schemas;
SELECT * FROM pg_temp.auth_log();

-- a 401 makes a new JWT once and repeats the request
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "status", "status": 401, "code": "390144", "message": "JWT token is invalid."}');
SELECT count(*) FROM jwt_schemas;
SELECT seq, status FROM pg_temp.auth_log();
CALL pg_temp.emuctl('clear-faults');

-- an expired JWT: the emulator's clock runs two hours ahead, so even the
-- renewed token is refused; a clear error after exactly one renewal
CALL pg_temp.emuctl('clock-offset', '7200');
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT count(*) FROM jwt_schemas;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.auth_log();
CALL pg_temp.emuctl('clock-offset', '0');
SELECT count(*) FROM jwt_schemas;

-- ===================================================================
-- key-pair JWT with an encrypted PKCS#8 key
-- ===================================================================
CREATE SERVER auth_jwt_enc FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'MYORG-MYACCOUNT');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (user 'ALICE', private_key :'alice_enc_key',
           private_key_passphrase :'passphrase');
CREATE FOREIGN TABLE jwt_enc_schemas (name text)
  SERVER auth_jwt_enc OPTIONS (object 'schemas', database 'SALES');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM jwt_enc_schemas;
SELECT * FROM pg_temp.auth_log();

-- a wrong passphrase is refused when it is set (more in options_check)
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (SET private_key_passphrase 'not-the-passphrase');
-- should fail: no passphrase at all
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (DROP private_key_passphrase);
-- one that gets into the catalog past the validator (a superuser editing it
-- by hand) fails before any request is sent
UPDATE pg_user_mapping
   SET umoptions = ARRAY['user=ALICE', 'private_key=' || :'alice_enc_key',
                         'private_key_passphrase=not-the-passphrase']
 WHERE umserver = (SELECT oid FROM pg_foreign_server WHERE srvname = 'auth_jwt_enc')
   AND umuser = (SELECT oid FROM pg_roles WHERE rolname = current_user);
CALL pg_temp.emuctl('clear-log');
\set VERBOSITY terse
-- should fail
SELECT count(*) FROM jwt_enc_schemas;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS requests FROM pg_temp.emu_requests();

-- ===================================================================
-- the cost of decrypting a key is bounded: OpenSSL cannot be interrupted
-- ===================================================================
-- 100000 PBKDF2 iterations, the cap, still work
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (SET private_key :'alice_cap_key',
           SET private_key_passphrase :'passphrase');
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM jwt_enc_schemas;
SELECT * FROM pg_temp.auth_log();
-- the statements that fail below hold a key: keep them out of the server log
SET log_min_error_statement = panic;
-- one more is refused with the counts and how to re-encrypt
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (SET private_key :'alice_over_key');
-- so is scrypt with N * r * p above 2^18
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (SET private_key :'alice_scrypt_key');
-- so is a value longer than any key, before OpenSSL decodes it
SELECT repeat('A', 65537) AS long_key \gset
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_jwt_enc
  OPTIONS (SET private_key :'long_key');
-- 20000000 iterations (some 10 s of OpenSSL) are refused at once, for any
-- role: the check reads the parameters and decrypts nothing (a decryption
-- would run into the statement_timeout, which ends it with another error)
SET statement_timeout = '5s';
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER auth_jwt_enc
  OPTIONS (user 'ALICE', private_key :'alice_slow_key',
           private_key_passphrase :'passphrase');
\echo :LAST_ERROR_SQLSTATE
-- and at use, when it got into the catalog past the validator
UPDATE pg_user_mapping
   SET umoptions = ARRAY['user=ALICE', 'private_key=' || :'alice_slow_key',
                         'private_key_passphrase=' || :'passphrase']
 WHERE umserver = (SELECT oid FROM pg_foreign_server WHERE srvname = 'auth_jwt_enc')
   AND umuser = (SELECT oid FROM pg_roles WHERE rolname = current_user);
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT count(*) FROM jwt_enc_schemas;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS requests FROM pg_temp.emu_requests();
RESET statement_timeout;
RESET log_min_error_statement;

-- ===================================================================
-- key-pair JWTs the emulator rejects
-- ===================================================================
-- signed with a key that is not registered for ALICE: the fingerprint in
-- "iss" matches none of her public keys
CREATE SERVER auth_wrong_key FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'MYORG-MYACCOUNT');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_wrong_key
  OPTIONS (user 'ALICE', private_key :'other_key');
CREATE FOREIGN TABLE wrong_key_schemas (name text)
  SERVER auth_wrong_key OPTIONS (object 'schemas', database 'SALES');
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT count(*) FROM wrong_key_schemas;
SELECT * FROM pg_temp.auth_log();

-- ALICE's key presented for BOB: the fingerprint is not one of BOB's keys
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_wrong_key
  OPTIONS (SET user 'BOB', SET private_key :'alice_key');
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT count(*) FROM wrong_key_schemas;
SELECT * FROM pg_temp.auth_log();

-- the JWT names another account
ALTER SERVER auth_wrong_key OPTIONS (SET account 'OTHERORG-OTHERACCOUNT');
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_wrong_key
  OPTIONS (SET user 'ALICE');
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT count(*) FROM wrong_key_schemas;
SELECT * FROM pg_temp.auth_log();

-- should fail: not a private key at all, refused without quoting the value
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_wrong_key
  OPTIONS (SET private_key 'not a PEM key');

-- ===================================================================
-- option validation (no real secret in any statement that fails)
-- ===================================================================
-- should fail: secrets belong on the user mapping
CREATE SERVER auth_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', token 'not-a-real-token');
-- should fail
CREATE SERVER auth_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', private_key 'not-a-real-key');
-- should fail: unrecognized options list the valid ones
CREATE USER MAPPING FOR PUBLIC SERVER auth_pat
  OPTIONS (password 'not-a-real-password');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_pat
  OPTIONS (ADD account 'MYORG-MYACCOUNT');
-- should fail: a secret value is never echoed
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_pat OPTIONS (SET token '');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_pat
  OPTIONS (ADD token_type 'KEYPAIR_JWT');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER auth_pat
  OPTIONS (token 'not-a-real-token', private_key 'not-a-real-key', user 'ALICE');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER auth_pat
  OPTIONS (private_key 'not-a-real-key');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER auth_pat
  OPTIONS (user 'ALICE', private_key 'not-a-real-key', token_type 'OAUTH');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER auth_pat
  OPTIONS (token 'not-a-real-token', private_key_passphrase 'not-a-real-one');
-- should fail: a server needs somewhere to go
CREATE SERVER auth_bad FOREIGN DATA WRAPPER snowfdw OPTIONS (role 'SYSADMIN');
-- should fail
CREATE SERVER auth_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (account 'my org');
-- a mapping without any credential is accepted, but cannot connect
CREATE USER MAPPING FOR PUBLIC SERVER auth_jwt;
CREATE ROLE regress_snowfdw_auth;
GRANT SELECT ON jwt_schemas TO regress_snowfdw_auth;
SET ROLE regress_snowfdw_auth;
-- should fail
SELECT count(*) FROM jwt_schemas;
RESET ROLE;
-- key-pair authentication needs the account for the JWT claims
CREATE SERVER auth_no_account FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_no_account
  OPTIONS (user 'ALICE', private_key :'alice_key');
CREATE FOREIGN TABLE no_account_schemas (name text)
  SERVER auth_no_account OPTIONS (object 'schemas', database 'SALES');
-- should fail
SELECT count(*) FROM no_account_schemas;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SERVER auth_pat, auth_oauth, auth_jwt, auth_jwt_enc, auth_wrong_key,
  auth_no_account CASCADE;
DROP ROLE regress_snowfdw_auth;
