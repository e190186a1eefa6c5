-- Privileges: what an ordinary role may call and see of every snowfdw
-- function and view; statistics are private, pg_read_all_stats sees all
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql
\set regress_db :DBNAME

CREATE ROLE regress_priv_alice;
CREATE ROLE regress_priv_bob;
CREATE ROLE regress_priv_reader IN ROLE pg_read_all_stats;

-- ===================================================================
-- who may call what (1.3): every function and view, by role
-- ===================================================================
SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
       CASE WHEN d.classid = 'pg_proc'::regclass
            THEN has_function_privilege('regress_priv_alice', d.objid, 'EXECUTE')
            ELSE has_table_privilege('regress_priv_alice', d.objid, 'SELECT') END AS ordinary_role,
       CASE WHEN d.classid = 'pg_proc'::regclass
            THEN has_function_privilege('regress_priv_reader', d.objid, 'EXECUTE')
            ELSE has_table_privilege('regress_priv_reader', d.objid, 'SELECT') END AS read_all_stats
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'snowfdw')
   AND d.classid IN ('pg_proc'::regclass, 'pg_class'::regclass)
 ORDER BY 1;

-- ===================================================================
-- set-up: alice maps herself, bob is mapped by a superuser, a PUBLIC
-- mapping on a server alice owns, and a server in another database
-- ===================================================================
SELECT snowfdw_stats_reset();
CREATE SERVER priv_srv FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE SERVER priv_owned FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
ALTER SERVER priv_owned OWNER TO regress_priv_alice;
GRANT USAGE ON FOREIGN SERVER priv_srv TO regress_priv_alice;
CREATE FOREIGN TABLE priv_schemas (name text)
  SERVER priv_srv OPTIONS (object 'schemas', database 'SALES');
CREATE FOREIGN TABLE priv_owned_schemas (name text)
  SERVER priv_owned OPTIONS (object 'schemas', database 'SALES');
GRANT SELECT ON priv_schemas, priv_owned_schemas
  TO regress_priv_alice, regress_priv_bob;
CREATE USER MAPPING FOR regress_priv_bob SERVER priv_srv OPTIONS (token :'pat');
CREATE USER MAPPING FOR PUBLIC SERVER priv_owned OPTIONS (token :'pat');

-- the validator is not executable by PUBLIC, yet checks a mapping alice
-- creates for herself
SET ROLE regress_priv_alice;
-- should fail
SELECT snowfdw_validator(ARRAY['token=x'], 'pg_user_mapping'::regclass);
-- should fail: refused by the validator
CREATE USER MAPPING FOR CURRENT_USER SERVER priv_srv OPTIONS (password 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER priv_srv OPTIONS (token :'pat');
SELECT count(*) FROM priv_schemas;
RESET ROLE;
SET ROLE regress_priv_bob;
SELECT count(*) FROM priv_schemas;
SELECT count(*) FROM priv_owned_schemas;
RESET ROLE;

CREATE DATABASE regress_priv_other;
\c regress_priv_other
SET client_min_messages = warning;
CREATE EXTENSION snowfdw;
CREATE SERVER priv_elsewhere FOREIGN DATA WRAPPER snowfdw OPTIONS (url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER priv_elsewhere OPTIONS (token :'pat');
CREATE FOREIGN TABLE elsewhere_schemas (name text)
  SERVER priv_elsewhere OPTIONS (object 'schemas', database 'SALES');
SELECT count(*) FROM elsewhere_schemas;
\c :regress_db
SET client_min_messages = warning;

-- rows of this test; a row of the other database would have no names
CREATE VIEW priv_rows AS
  SELECT server_name, user_name, requests > 0 AS requests
    FROM snowfdw_stats
   WHERE server_name LIKE 'priv%' OR server_name IS NULL;
GRANT SELECT ON priv_rows TO PUBLIC;

-- ===================================================================
-- alice: her own mapping's row, and the PUBLIC mapping of her server
-- ===================================================================
SET ROLE regress_priv_alice;
SELECT * FROM priv_rows ORDER BY 1, 2;
SELECT count(*) AS raw_rows FROM snowfdw_stats_raw();
-- this backend's sessions: hers
SELECT count(*) FROM priv_schemas;
SELECT server_name, user_name, valid FROM snowfdw_get_connections()
 ORDER BY 1, 2;
SELECT snowfdw_disconnect('priv_srv');
-- nothing is left open for snowfdw_disconnect_all
SELECT snowfdw_disconnect_all();
-- should fail
SELECT snowfdw_stats_reset();
-- should fail
SELECT snowfdw_cache_clear();
-- should fail
SELECT snowfdw_cache_clear('priv_srv');
-- should fail
SELECT shared FROM snowfdw_cache_info();
RESET ROLE;

-- ===================================================================
-- bob: his own row only; the PUBLIC mapping he used is not his
-- ===================================================================
SET ROLE regress_priv_bob;
SELECT * FROM priv_rows ORDER BY 1, 2;
SELECT count(*) AS raw_rows FROM snowfdw_stats_raw();
-- should fail: no USAGE on the server
SELECT snowfdw_undrop_schema('priv_srv', 'SALES', 'NOT_THERE');
RESET ROLE;

-- ===================================================================
-- a member of pg_read_all_stats: every role's rows, of this database only
-- ===================================================================
SET ROLE regress_priv_reader;
SELECT * FROM priv_rows ORDER BY 1, 2;
SELECT shared FROM snowfdw_cache_info();
-- should fail
SELECT snowfdw_stats_reset();
RESET ROLE;

-- ===================================================================
-- cleanup
-- ===================================================================
DROP VIEW priv_rows;
DROP DATABASE regress_priv_other;
DROP SERVER priv_srv, priv_owned CASCADE;
DROP ROLE regress_priv_alice, regress_priv_bob, regress_priv_reader;
