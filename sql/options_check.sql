-- Option values that go onto the wire: refused at CREATE and ALTER when they
-- could add a header line or are not what Snowflake expects; a private key
-- is loaded when it is set; raw request bytes show what a valid role sends
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

-- the keys, read without echoing them
SELECT pg_read_file(:'key_dir' || '/alice.pem') AS alice_key,
       pg_read_file(:'key_dir' || '/alice_enc.pem') AS alice_enc_key \gset
\set ECHO none
\set passphrase 'test-passphrase-42'
\set ECHO all
-- a failing statement that carries a key must not be logged with it
SET log_min_error_statement = panic;

-- the raw capture server (test/rawcapture.py): start prints "PORT DIR"
\set capture '/usr/bin/python3 ' :testdir '/rawcapture.py'
\set capture_start :capture ' start'
CREATE TEMP TABLE capture (port int, dir text);
CREATE TEMP TABLE captured (req int, lineno int, line text);

-- ===================================================================
-- server options: role, url, account
-- ===================================================================
CREATE SERVER chk_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', role 'SYSADMIN');
-- should fail: CR LF would start a header line of its own
CREATE SERVER chk_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', role E'SYSADMIN\r\nX-Evil: injected');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role E'SYSADMIN\r\nX-Evil: injected');
-- should fail: a bare LF, a tab, DEL
ALTER SERVER chk_srv OPTIONS (SET role E'SYSADMIN\nX-Evil: injected');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role E'"SYS\tADMIN"');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role E'"SYSADMIN\x7f"');
-- should fail: spaces at either end
ALTER SERVER chk_srv OPTIONS (SET role ' SYSADMIN');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role 'SYSADMIN ');
-- should fail: not an identifier (spaces need quotes)
CREATE SERVER chk_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', role 'My Role');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role 'My Role');
-- should fail: starts with a digit
ALTER SERVER chk_srv OPTIONS (SET role '1ROLE');
-- should fail: an empty quoted name, an unterminated one, a lone quote inside
ALTER SERVER chk_srv OPTIONS (SET role '""');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role '"My Role');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET role '"My"Role"');
-- valid identifiers
ALTER SERVER chk_srv OPTIONS (SET role 'analyst_2$');
ALTER SERVER chk_srv OPTIONS (SET role '_R');
ALTER SERVER chk_srv OPTIONS (SET role '"My Role"');
ALTER SERVER chk_srv OPTIONS (SET role '"say ""hi"""');
ALTER SERVER chk_srv OPTIONS (SET role '"Rôle: ops/dev"');
SELECT option_value AS role
  FROM pg_options_to_table((SELECT srvoptions FROM pg_foreign_server
                             WHERE srvname = 'chk_srv'))
 WHERE option_name = 'role';

-- should fail: url with CR LF, with another control character
CREATE SERVER chk_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url E'http://127.0.0.1:1\r\nX-Evil: injected');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET url E'http://127.0.0.1:1\r\nX-Evil: injected');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET url E'https://example\x01.com');
-- should fail
ALTER SERVER chk_srv OPTIONS (SET url ' https://example.com');

-- should fail: account with CR LF, with a space
CREATE SERVER chk_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (account E'myorg-myaccount\r\nX-Evil: injected');
-- should fail
ALTER SERVER chk_srv OPTIONS (ADD account E'myorg-myaccount\r\nX-Evil: injected');
-- should fail
ALTER SERVER chk_srv OPTIONS (ADD account 'myorg-myaccount ');

-- a role that is not a superuser gets the same checks
CREATE ROLE regress_snowfdw_chk;
GRANT USAGE ON FOREIGN DATA WRAPPER snowfdw TO regress_snowfdw_chk;
SET ROLE regress_snowfdw_chk;
-- should fail
CREATE SERVER chk_user FOREIGN DATA WRAPPER snowfdw
  OPTIONS (account 'myorg-myaccount', role E'SYSADMIN\r\nX-Evil: injected');
CREATE SERVER chk_user FOREIGN DATA WRAPPER snowfdw
  OPTIONS (account 'myorg-myaccount', role 'SYSADMIN');
-- should fail
ALTER SERVER chk_user OPTIONS (SET role E'SYSADMIN\r\nX-Evil: injected');
DROP SERVER chk_user;
RESET ROLE;

-- ===================================================================
-- user mapping options: token, token_type, user
-- ===================================================================
-- should fail: the token is never echoed
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (token E'abc\r\nX-Evil: 1');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_srv OPTIONS (token :'pat');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (SET token E'abc\r\nX-Evil: 1');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (SET token 'abc ');
-- should fail: a space or a non-ASCII character inside
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (SET token 'abc def');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (SET token 'abcdé');
-- should fail: token_type
CREATE USER MAPPING FOR PUBLIC SERVER chk_srv
  OPTIONS (token 'not-a-real-token', token_type E'OAUTH\r\nX-Evil: 1');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (ADD token_type E'OAUTH\r\nX-Evil: 1');
-- should fail: user
CREATE USER MAPPING FOR PUBLIC SERVER chk_srv
  OPTIONS (token 'not-a-real-token', user E'bob\r\nX: 1');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (ADD user E'bob\r\nX: 1');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (ADD user 'bob@example.com');
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_srv
  OPTIONS (ADD user '"bob@example.com"');
-- the mapping still works
CREATE FOREIGN TABLE chk_schemas (name text)
  SERVER chk_srv OPTIONS (object 'schemas', database 'SALES');
SELECT count(*) FROM chk_schemas;

-- ===================================================================
-- private_key and private_key_passphrase, loaded when set
-- ===================================================================
CREATE SERVER chk_jwt FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', account 'myorg-myaccount');
-- should fail: not a PEM key
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (user 'ALICE', private_key 'x');
-- should fail: a PEM block that is not a private key
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (user 'ALICE', private_key E'-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
-- should fail: wrong passphrase
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (user 'ALICE', private_key :'alice_enc_key',
           private_key_passphrase 'not-the-passphrase');
-- should fail: an encrypted key without its passphrase
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (user 'ALICE', private_key :'alice_enc_key');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (user 'ALICE', private_key :'alice_enc_key',
           private_key_passphrase :'passphrase');
-- should fail: wrong passphrase
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (SET private_key_passphrase 'not-the-passphrase');
-- should fail: no passphrase
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (DROP private_key_passphrase);
-- should fail: not a PEM key
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (SET private_key 'x');
-- should fail: the user is checked too
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (SET user E'ALICE\r\nX: 1');
-- an unencrypted key needs no passphrase; a quoted user name goes into the
-- JWT without its quotes, upper-cased: the emulator accepts "alice" as ALICE
ALTER USER MAPPING FOR CURRENT_USER SERVER chk_jwt
  OPTIONS (SET private_key :'alice_key', DROP private_key_passphrase,
           SET user '"alice"');
CREATE FOREIGN TABLE chk_jwt_schemas (name text)
  SERVER chk_jwt OPTIONS (object 'schemas', database 'SALES');
SELECT count(*) FROM chk_jwt_schemas;

-- ===================================================================
-- what goes onto the wire: raw request bytes
-- ===================================================================
-- a valid quoted role with a space is exactly one X-Snowflake-Role line
COPY capture FROM PROGRAM :'capture_start' WITH (DELIMITER ' ');
SELECT port AS cap_port, dir AS cap_dir FROM capture \gset
\set cap_url 'http://127.0.0.1:' :cap_port
\set capture_show :capture ' show ' :cap_dir
CREATE SERVER chk_raw FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'cap_url', role '"My Role"', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER chk_raw OPTIONS (token :'pat');
CREATE FOREIGN TABLE chk_raw_schemas (name text)
  SERVER chk_raw OPTIONS (object 'schemas', database 'SALES');
SELECT count(*) FROM chk_raw_schemas;
COPY captured FROM PROGRAM :'capture_show'
  WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x02');
SELECT req, line FROM captured ORDER BY req, lineno;
SELECT count(*) FILTER (WHERE line ILIKE 'X-Snowflake-Role:%') AS role_lines,
       count(*) FILTER (WHERE line ILIKE 'X-Evil%') AS evil_lines
  FROM captured;

-- a CR LF that gets into the catalog past the validator (a superuser editing
-- it by hand) is refused by the transport: nothing is sent
TRUNCATE capture, captured;
COPY capture FROM PROGRAM :'capture_start' WITH (DELIMITER ' ');
SELECT port AS cap_port, dir AS cap_dir FROM capture \gset
\set cap_url 'http://127.0.0.1:' :cap_port
\set capture_show :capture ' show ' :cap_dir
UPDATE pg_foreign_server
   SET srvoptions = ARRAY['url=' || :'cap_url', 'max_retries=0',
                          E'role=SYSADMIN\r\nX-Evil: injected']
 WHERE srvname = 'chk_raw';
-- should fail
SELECT count(*) FROM chk_raw_schemas;
\echo :LAST_ERROR_SQLSTATE
COPY captured FROM PROGRAM :'capture_show'
  WITH (FORMAT csv, DELIMITER E'\t', QUOTE E'\x02');
SELECT count(*) AS captured_lines FROM captured;

-- ===================================================================
-- cleanup
-- ===================================================================
RESET log_min_error_statement;
DROP SERVER chk_srv, chk_jwt, chk_raw CASCADE;
REVOKE USAGE ON FOREIGN DATA WRAPPER snowfdw FROM regress_snowfdw_chk;
DROP ROLE regress_snowfdw_chk;
