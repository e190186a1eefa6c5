-- HTTPS end to end: the emulator's TLS listeners (certificates made per run,
-- test/lib.sh make_tls_certs).  Listings, fetches, writes and functions give
-- over HTTPS what they give over plain HTTP; one TLS handshake serves a whole
-- session; a certificate that cannot be trusted fails at once, after one
-- attempt, with the TLS reason in the detail.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql
\set ECHO none
\getenv https_url SNOWFDW_EMU_HTTPS_URL
\getenv untrusted_url SNOWFDW_EMU_UNTRUSTED_URL
\getenv otherhost_url SNOWFDW_EMU_OTHERHOST_URL
\getenv expired_url SNOWFDW_EMU_EXPIRED_URL
\getenv tls_dir SNOWFDW_TLS_DIR
\set ca_file :tls_dir/ca.pem
SELECT replace(:'https_url', '//localhost:', '//127.0.0.1:') AS https_ip_url \gset
-- one emulator listener's counters since the last clear-log: TCP connections
-- accepted, TLS handshakes completed, failed handshakes
CREATE FUNCTION pg_temp.tls(listener text)
RETURNS TABLE (connections int, handshakes int, failed int)
LANGUAGE sql AS $$
  SELECT split_part(l, E'\t', 4)::int, split_part(l, E'\t', 5)::int, split_part(l, E'\t', 7)::int
    FROM pg_temp.emu('listeners', listener) l $$;
-- rows of one table missing from the other, as JSON, both ways
CREATE FUNCTION pg_temp.rows_differing(a regclass, b regclass) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    '(SELECT to_jsonb(x) FROM %1$s x EXCEPT ALL SELECT to_jsonb(y) FROM %2$s y)
     UNION ALL (SELECT to_jsonb(y) FROM %2$s y EXCEPT ALL SELECT to_jsonb(x) FROM %1$s x)', a, b);
END $$;
\set ECHO all

CREATE SERVER tls_https FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'https_url', ca_file :'ca_file', page_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_https OPTIONS (token :'pat');
CREATE SERVER tls_http FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_http OPTIONS (token :'pat');
CREATE SCHEMA via_https;
CREATE SCHEMA via_http;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER tls_https INTO via_https;
IMPORT FOREIGN SCHEMA snowflake FROM SERVER tls_http INTO via_http;

-- ===================================================================
-- listings: every row of the account, the same over HTTPS and HTTP
-- ===================================================================
CALL pg_temp.emuctl('clear-log');
SELECT database_name, name, kind, owner FROM via_https.remote_schemas ORDER BY 1, 2;
SELECT 'schemas' AS t, count(*) FROM via_https.remote_schemas
UNION ALL SELECT 'stages', count(*) FROM via_https.remote_stages
UNION ALL SELECT 'streams', count(*) FROM via_https.remote_streams
UNION ALL SELECT 'stage_files', count(*) FROM via_https.stage_files;
-- every request went over TLS, none failed
SELECT * FROM pg_temp.tls('https') WHERE handshakes = 0 OR failed > 0;
SELECT count(*) > 20 AS many_requests FROM pg_temp.emu_requests() WHERE status = 200;
-- rows that differ between the two (whole rows, every column): none
SELECT t, d FROM unnest(ARRAY['remote_schemas', 'remote_stages', 'remote_streams', 'stage_files']) t,
  pg_temp.rows_differing(('via_https.' || t)::regclass, ('via_http.' || t)::regclass) d;
-- (the comparison does see differences: schemas against stages)
SELECT count(*) FROM pg_temp.rows_differing('via_https.remote_schemas', 'via_http.remote_stages');

-- ===================================================================
-- a fetch, writes and functions over HTTPS
-- ===================================================================
EXPLAIN (COSTS OFF)
SELECT name, comment FROM via_https.remote_streams
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'ORDERS_STREAM';
SELECT name, comment, mode, stream_source FROM via_https.remote_streams
 WHERE database_name = 'SALES' AND schema_name = 'PUBLIC' AND name = 'ORDERS_STREAM';
SELECT to_jsonb(h) = to_jsonb(p) AS same_row
  FROM via_https.remote_streams h, via_http.remote_streams p
 WHERE h.database_name = 'SALES' AND h.schema_name = 'PUBLIC' AND h.name = 'ORDERS_STREAM'
   AND p.database_name = 'SALES' AND p.schema_name = 'PUBLIC' AND p.name = 'ORDERS_STREAM';

INSERT INTO via_https.remote_schemas (database_name, name, comment)
VALUES ('SALES', 'TLS_MADE', 'created over HTTPS')
RETURNING database_name, name, comment, owner, created_on;
UPDATE via_https.remote_schemas SET comment = 'altered over HTTPS'
 WHERE database_name = 'SALES' AND name = 'TLS_MADE'
RETURNING name, comment;
-- seen over plain HTTP
SELECT name, comment FROM via_http.remote_schemas WHERE database_name = 'SALES' AND name = 'TLS_MADE';
SELECT snowfdw_clone_schema('tls_https', 'SALES', 'TLS_MADE', 'TLS_CLONE');
SELECT snowfdw_presign('tls_https', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv', 60)
     = snowfdw_presign('tls_http', 'SALES', 'PUBLIC', 'RAW', 'raw/data_0.csv', 60) AS same_url;
DELETE FROM via_https.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'TLS\_%'
RETURNING name;
SELECT snowfdw_undrop_schema('tls_https', 'SALES', 'TLS_CLONE');
SELECT name, comment FROM via_http.remote_schemas WHERE database_name = 'SALES' AND name LIKE 'TLS\_%';
DELETE FROM via_https.remote_schemas WHERE database_name = 'SALES' AND name = 'TLS_CLONE';
-- what reached the emulator: the same requests as over plain HTTP (the
-- drops of one statement run at once: a run of them is sorted by path)
SELECT method, path, query, status FROM (
  SELECT *, row_number() OVER (ORDER BY seq) -
            row_number() OVER (PARTITION BY method ORDER BY seq) AS run
    FROM pg_temp.emu_requests() WHERE method <> 'GET' OR path LIKE '%TLS%') r
 ORDER BY CASE WHEN method = 'DELETE' THEN min(seq) OVER (PARTITION BY method, run)
               ELSE seq END, path;

-- 127.0.0.1 is in the certificate too
CREATE SERVER tls_ip FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'https_ip_url', ca_file :'ca_file');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_ip OPTIONS (token :'pat');
CREATE FOREIGN TABLE tls_ip_schemas (name text)
  SERVER tls_ip OPTIONS (object 'schemas', database 'MARKETING');
SELECT name FROM tls_ip_schemas ORDER BY 1;

-- ===================================================================
-- one TLS handshake per session; a fan-out opens at most max_concurrency
-- ===================================================================
SELECT snowfdw_disconnect_all();
CALL pg_temp.emuctl('clear-log');
SET snowfdw.max_concurrency = 1;
SELECT count(*) FROM via_https.remote_schemas WHERE database_name = 'SALES';
SELECT count(*) FROM via_https.remote_stages WHERE database_name = 'SALES' AND schema_name = 'PUBLIC';
SELECT name FROM via_https.remote_schemas WHERE database_name = 'SALES' AND name = 'PUBLIC';
SELECT count(*) FROM via_https.stage_files WHERE database_name = 'SALES';
SELECT count(*) >= 10 AS many_requests, count(DISTINCT conn) AS connections
  FROM pg_temp.emu_requests();
SELECT * FROM pg_temp.tls('https');
SELECT server_name, requests >= 10 AS many_requests FROM snowfdw_get_connections();
RESET snowfdw.max_concurrency;

-- the stage listings of SALES's 8 schemas run 3 at a time, 100 ms each
SELECT snowfdw_disconnect_all();
CALL pg_temp.emuctl('clear-log');
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/stages$", "times": -1, "action": "latency", "ms": 100}');
SET snowfdw.max_concurrency = 3;
SELECT count(*) FROM via_https.remote_stages WHERE database_name = 'SALES';
CALL pg_temp.emuctl('clear-faults');
RESET snowfdw.max_concurrency;
SELECT count(*) AS stage_listings, count(DISTINCT conn) BETWEEN 2 AND 3 AS concurrent_within_limit
  FROM pg_temp.emu_requests() WHERE path LIKE '%/stages';
SELECT connections BETWEEN 2 AND 3 AS concurrent_within_limit,
       handshakes = connections AS one_handshake_each, failed
  FROM pg_temp.tls('https');

-- ===================================================================
-- certificates that cannot be trusted: one attempt, the TLS reason, and
-- no request ever sent (over HTTPS or plain HTTP)
-- ===================================================================
CREATE SERVER tls_untrusted FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'untrusted_url', ca_file :'ca_file');
CREATE SERVER tls_otherhost FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'otherhost_url', ca_file :'ca_file');
CREATE SERVER tls_expired FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'expired_url', ca_file :'ca_file');
-- the trusted certificate, but without ca_file: the system CAs do not know it
CREATE SERVER tls_system_cas FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'https_url');
CREATE SERVER tls_no_ca_file FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'https_url', ca_file '/nonexistent/snowfdw-ca.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_untrusted OPTIONS (token :'pat');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_otherhost OPTIONS (token :'pat');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_expired OPTIONS (token :'pat');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_system_cas OPTIONS (token :'pat');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_no_ca_file OPTIONS (token :'pat');
CREATE FOREIGN TABLE tls_untrusted_schemas (name text)
  SERVER tls_untrusted OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE tls_otherhost_schemas (name text)
  SERVER tls_otherhost OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE tls_expired_schemas (name text)
  SERVER tls_expired OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE tls_system_cas_schemas (name text)
  SERVER tls_system_cas OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE tls_no_ca_file_schemas (name text)
  SERVER tls_no_ca_file OPTIONS (object 'schemas', database 'SALES');

-- max_retries is 4: a retried failure would show 5 connections
CALL pg_temp.emuctl('clear-log');
-- should fail
SELECT name FROM tls_untrusted_schemas;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM pg_temp.tls('untrusted');
-- should fail
-- (the detail is libcurl's own text, worded differently by libcurl 8)
\set VERBOSITY terse
SELECT name FROM tls_otherhost_schemas;
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the client refuses the host name once the handshake is done, and leaves
-- without a request: the emulator counts that as a failed handshake
SELECT * FROM pg_temp.tls('otherhost');
-- should fail
SELECT name FROM tls_expired_schemas;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM pg_temp.tls('expired');

-- should fail
SELECT name FROM tls_system_cas_schemas;
-- should fail
-- (terse: the detail is libcurl's own text, worded differently by libcurl 8)
\set VERBOSITY terse
SELECT name FROM tls_no_ca_file_schemas;
\set VERBOSITY default
-- the two attempts above: one connection each, refused by the client
SELECT * FROM pg_temp.tls('https');

-- a write and a function: the same single attempt, and no hint that
-- Snowflake may have carried out what never left this host
-- should fail
INSERT INTO tls_expired_schemas (name) VALUES ('NEVER_SENT');
-- should fail
SELECT snowfdw_clone_schema('tls_untrusted', 'SALES', 'PUBLIC', 'NEVER_SENT');
SELECT * FROM pg_temp.tls('expired');
SELECT * FROM pg_temp.tls('untrusted');
-- no request reached the emulator, over any listener
SELECT count(*) AS requests FROM pg_temp.emu_requests();

-- the session survives the failures: the good server still works
SELECT name FROM tls_ip_schemas ORDER BY 1;

-- ===================================================================
-- cleanup
-- ===================================================================
SET client_min_messages = warning;
DROP SCHEMA via_https CASCADE;
DROP SCHEMA via_http CASCADE;
DROP SERVER tls_https, tls_http, tls_ip, tls_untrusted, tls_otherhost, tls_expired,
  tls_system_cas, tls_no_ca_file CASCADE;
RESET client_min_messages;
