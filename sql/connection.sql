-- Connection cache: reuse, invalidation, disconnect functions, TLS rules
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER conn_a FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER conn_a OPTIONS (token :'pat');
CREATE FOREIGN TABLE conn_a_schemas (name text)
  SERVER conn_a OPTIONS (object 'schemas', database 'SALES');
CREATE SERVER conn_b FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER conn_b
  OPTIONS (token :'oauth', token_type 'OAUTH');
CREATE FOREIGN TABLE conn_b_schemas (name text)
  SERVER conn_b OPTIONS (object 'schemas', database 'MARKETING');

-- ===================================================================
-- one kept-alive connection per user mapping
-- ===================================================================
-- a new backend has no sessions
SELECT * FROM snowfdw_get_connections();
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM conn_a_schemas;
SELECT count(*) FROM conn_a_schemas;
SELECT count(*) FROM conn_a_schemas WHERE name = 'PUBLIC';
SELECT count(*) FROM conn_a_schemas;
-- four requests, one TCP connection
SELECT seq, conn, method, path, status FROM pg_temp.emu_requests();
SELECT * FROM pg_temp.emu('connections');
SELECT * FROM snowfdw_get_connections();

-- another user mapping has its own session and connection
SELECT count(*) FROM conn_b_schemas;
SELECT count(*) FROM conn_a_schemas;
SELECT seq, conn, path FROM pg_temp.emu_requests() WHERE seq > 4;
SELECT * FROM pg_temp.emu('connections');
SELECT * FROM snowfdw_get_connections() ORDER BY server_name;

-- ===================================================================
-- invalidation by ALTER SERVER and ALTER USER MAPPING
-- ===================================================================
-- the changed server's session is closed at the end of the ALTER
ALTER SERVER conn_a OPTIONS (ADD request_timeout '30');
SELECT * FROM snowfdw_get_connections() ORDER BY server_name;
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM conn_a_schemas;
SELECT count(*) FROM conn_b_schemas;
-- conn_a got a new connection (1), conn_b kept its own (2)
SELECT seq, conn, path FROM pg_temp.emu_requests();
SELECT * FROM snowfdw_get_connections() ORDER BY server_name;

-- the same for a changed user mapping
ALTER USER MAPPING FOR CURRENT_USER SERVER conn_b
  OPTIONS (SET token :'oauth');
SELECT * FROM snowfdw_get_connections() ORDER BY server_name;
SELECT count(*) FROM conn_b_schemas;
SELECT seq, conn, path FROM pg_temp.emu_requests() WHERE seq > 2;

-- inside a transaction that already uses the session, it stays (marked
-- invalid) until the transaction ends
CALL pg_temp.emuctl('clear-log');
BEGIN;
SELECT count(*) FROM conn_a_schemas;
ALTER SERVER conn_a OPTIONS (SET request_timeout '20');
SELECT server_name, valid FROM snowfdw_get_connections() ORDER BY server_name;
SELECT count(*) FROM conn_a_schemas;
COMMIT;
SELECT seq, conn, path FROM pg_temp.emu_requests();
SELECT server_name, valid FROM snowfdw_get_connections() ORDER BY server_name;
-- a rolled back change closes the session too: it is simply rebuilt
SELECT count(*) FROM conn_a_schemas;
BEGIN;
ALTER SERVER conn_a OPTIONS (SET request_timeout '10');
ROLLBACK;
SELECT server_name, valid FROM snowfdw_get_connections() ORDER BY server_name;
SELECT count(*) FROM conn_a_schemas;

-- a dropped user mapping
DROP USER MAPPING FOR CURRENT_USER SERVER conn_b;
SELECT server_name FROM snowfdw_get_connections() ORDER BY server_name;
-- should fail
-- (PostgreSQL's own message: its wording changed in 17)
\set VERBOSITY sqlstate
SELECT count(*) FROM conn_b_schemas;
\set VERBOSITY default
CREATE USER MAPPING FOR CURRENT_USER SERVER conn_b
  OPTIONS (token :'oauth', token_type 'OAUTH');

-- ===================================================================
-- snowfdw_disconnect and snowfdw_disconnect_all
-- ===================================================================
SELECT count(*) FROM conn_b_schemas;
SELECT server_name FROM snowfdw_get_connections() ORDER BY server_name;
SELECT snowfdw_disconnect('conn_a');
-- nothing left to close
SELECT snowfdw_disconnect('conn_a');
SELECT server_name FROM snowfdw_get_connections() ORDER BY server_name;
-- should fail
SELECT snowfdw_disconnect('no_such_server');
SELECT snowfdw_disconnect_all();
SELECT snowfdw_disconnect_all();
SELECT * FROM snowfdw_get_connections();
-- the next query connects again
CALL pg_temp.emuctl('clear-log');
SELECT count(*) FROM conn_a_schemas;
SELECT snowfdw_disconnect('conn_a');
SELECT count(*) FROM conn_a_schemas;
SELECT seq, conn, path FROM pg_temp.emu_requests();

-- a session an open cursor uses is not closed under it
BEGIN;
DECLARE c CURSOR FOR SELECT name FROM conn_a_schemas ORDER BY name COLLATE "C";
FETCH 2 FROM c;
SELECT snowfdw_disconnect('conn_a');
SELECT snowfdw_disconnect_all();
FETCH 2 FROM c;
SELECT server_name FROM snowfdw_get_connections();
COMMIT;
SELECT snowfdw_disconnect_all();

-- ===================================================================
-- transport failures and request timeouts
-- ===================================================================
-- nothing listens on port 1: one attempt with max_retries 0, three with 2
CREATE SERVER conn_down FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'http://127.0.0.1:1', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER conn_down OPTIONS (token :'pat');
CREATE FOREIGN TABLE down_schemas (name text)
  SERVER conn_down OPTIONS (object 'schemas', database 'SALES');
\set VERBOSITY terse
-- should fail
SELECT count(*) FROM down_schemas;
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER conn_down OPTIONS (SET max_retries '2');
-- should fail
SELECT count(*) FROM down_schemas;
\set VERBOSITY default

-- a request that gets no answer ends after request_timeout
ALTER SERVER conn_a OPTIONS (SET request_timeout '0.5', ADD max_retries '0');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "hang", "seconds": 5, "times": 1}');
\set VERBOSITY terse
-- should fail
SELECT count(*) FROM conn_a_schemas;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- a read is repeated after a timeout, on a new connection
ALTER SERVER conn_a OPTIONS (SET max_retries '1');
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"action": "hang", "seconds": 5, "times": 1}');
SELECT count(*) FROM conn_a_schemas;
SELECT seq, conn, path, status FROM pg_temp.emu_requests();

-- ===================================================================
-- TLS and superuser-only options
-- ===================================================================
-- should fail: plain http only for loopback hosts
CREATE SERVER conn_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'http://myorg-myaccount.snowflakecomputing.com');
-- should fail: a host name that merely starts like a loopback address
CREATE SERVER conn_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'http://127.0.0.1.example.com');
-- should fail: no path, query or user information
CREATE SERVER conn_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'https://myorg-myaccount.snowflakecomputing.com/api/v2');
-- should fail
CREATE SERVER conn_bad FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'https://user@myorg-myaccount.snowflakecomputing.com');
CREATE SERVER conn_https FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'https://myorg-myaccount.snowflakecomputing.com/');
CREATE SERVER conn_localhost FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'http://localhost:8080');
CREATE SERVER conn_ipv6 FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'http://[::1]:8080');
CREATE SERVER conn_loop FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url 'http://127.1.2.3:8080');

-- url and ca_file change where requests go or read server files
CREATE ROLE regress_snowfdw_conn;
GRANT USAGE ON FOREIGN DATA WRAPPER snowfdw TO regress_snowfdw_conn;
SET ROLE regress_snowfdw_conn;
-- should fail
CREATE SERVER conn_user FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE SERVER conn_user FOREIGN DATA WRAPPER snowfdw
  OPTIONS (account 'MYORG-MYACCOUNT', request_timeout '5');
-- should fail
ALTER SERVER conn_user OPTIONS (ADD url 'https://example.com');
-- should fail
ALTER SERVER conn_user OPTIONS (ADD ca_file '/etc/passwd');
-- a mapping the user makes for themselves must carry a secret to be used
CREATE USER MAPPING FOR CURRENT_USER SERVER conn_user;
RESET ROLE;
CREATE FOREIGN TABLE user_schemas (name text)
  SERVER conn_user OPTIONS (object 'schemas', database 'SALES');
GRANT SELECT ON user_schemas TO regress_snowfdw_conn;
SET ROLE regress_snowfdw_conn;
-- should fail
SELECT count(*) FROM user_schemas;
RESET ROLE;
DROP FOREIGN TABLE user_schemas;
SET ROLE regress_snowfdw_conn;
DROP SERVER conn_user CASCADE;
RESET ROLE;

-- ===================================================================
-- connect_timeout: a host whose TCP handshake never completes
-- ===================================================================
SELECT pg_temp.emu('blackhole') AS blackhole_port \gset
\set blackhole_url 'http://127.0.0.1:' :blackhole_port
CREATE SERVER conn_blackhole FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'blackhole_url', connect_timeout '0.5', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER conn_blackhole OPTIONS (token :'pat');
CREATE FOREIGN TABLE blackhole_schemas (name text)
  SERVER conn_blackhole OPTIONS (object 'schemas', database 'SALES');
-- (a statement_timeout turns a hang into another error)
SET statement_timeout = '30s';
SELECT clock_timestamp() AS started \gset
\set VERBOSITY terse
-- should fail: two attempts of 0.5 s each, then a clean error
SELECT * FROM blackhole_schemas;
\set VERBOSITY default
RESET statement_timeout;
-- each attempt waited its connect_timeout (a lower bound: no load shortens it)
SELECT clock_timestamp() - :'started'::timestamptz >= interval '0.9 s'
  AS waited_connect_timeout_twice;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP SERVER conn_a, conn_b, conn_down, conn_https, conn_localhost,
  conn_ipv6, conn_loop, conn_blackhole CASCADE;
REVOKE USAGE ON FOREIGN DATA WRAPPER snowfdw FROM regress_snowfdw_conn;
DROP ROLE regress_snowfdw_conn;
