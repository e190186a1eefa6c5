-- What a failed write reports: the objects the statement changed and those
-- it may have changed, exactly as the emulator's log has them, whatever
-- raised the error (an answer taken in the same step as others, the scan
-- under the write, another node of the plan, a cancel); and an UPDATE that
-- reads each schema right before its PUT, pipelined or not
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

-- page_size 4: a DELETE's scan hands over 4 rows, then asks for a second
-- page; while it waits for that page, the drops of the 4 rows end
CREATE SERVER wr_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '4', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER wr_srv OPTIONS (token :'pat');
-- the same, with answers of at most 2000 bytes
CREATE SERVER wr_small FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '4', max_retries '0', max_response_size '2000');
CREATE USER MAPPING FOR CURRENT_USER SERVER wr_small OPTIONS (token :'pat');
CREATE SCHEMA wr;
CREATE FOREIGN TABLE wr.schemas (database_name text, name text, comment text)
  SERVER wr_srv OPTIONS (object 'schemas');
CREATE FOREIGN TABLE wr.schemas_serial (database_name text, name text, comment text)
  SERVER wr_srv OPTIONS (object 'schemas', pipeline_writes 'false');
CREATE FOREIGN TABLE wr.schemas_small (database_name text, name text)
  SERVER wr_small OPTIONS (object 'schemas');
CREATE FOREIGN TABLE wr.schemas_wide (database_name text, name text,
  comment text, data_retention_time_in_days int)
  SERVER wr_srv OPTIONS (object 'schemas');
SET snowfdw.max_concurrency = 8;

-- the request log (snap, writes), catch and listed
\i :testdir/write_helpers.sql
-- the objects of the logged writes that Snowflake carried out (a final 2xx),
-- or that got no final answer (in flight, never answered, or a 202)
CREATE FUNCTION pg_temp.logged(what text) RETURNS text[]
LANGUAGE sql AS $$
  SELECT coalesce(array_agg(object ORDER BY object), '{}') FROM pg_temp.writes()
   WHERE CASE what WHEN 'done' THEN status BETWEEN 200 AND 299 AND status <> 202
                   ELSE status IS NULL OR status = 0 OR status = 202 END
$$;
-- what the error listed, and whether that is what the log has
CREATE FUNCTION pg_temp.report()
RETURNS TABLE (done text[], unknown text[], done_is_logged bool, unknown_is_unanswered bool)
LANGUAGE sql AS $$
  SELECT d, u, d = pg_temp.logged('done'), u = pg_temp.logged('unknown')
    FROM (SELECT ARRAY(SELECT x FROM pg_temp.listed('done') x ORDER BY x) AS d,
                 ARRAY(SELECT x FROM pg_temp.listed('unknown') x ORDER BY x) AS u) l
$$;
-- run a statement that fails, with the log of its requests (cleared before
-- it; the faults are cleared after it): its error and the report
CREATE FUNCTION pg_temp.attempt(stmt text)
RETURNS TABLE (sqlstate text, message text, done text[], unknown text[],
               done_is_logged bool, unknown_is_unanswered bool)
LANGUAGE plpgsql AS $$
BEGIN
  CALL pg_temp.emuctl('clear-log');
  CALL pg_temp.catch(stmt);
  CALL pg_temp.snap();
  CALL pg_temp.emuctl('clear-faults');
  RETURN QUERY SELECT c.sqlstate, c.message, r.* FROM caught c, pg_temp.report() r;
END $$;

-- D_1 to D_4 to drop, created anew before each case
CREATE PROCEDURE pg_temp.make_d()
LANGUAGE sql AS $$
  DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%';
  INSERT INTO wr.schemas (database_name, name)
    SELECT 'EMPTY_DB', 'D_' || g FROM generate_series(1, 4) g;
$$;

-- ===================================================================
-- Answers taken in one step: a 202 with a hostile Location among them
-- ===================================================================
-- The 4 drops end while the scan waits 1 s for its second page; the
-- pipeline then takes their answers in one step.  Those taken before the
-- 202 and those not yet taken when it raises were carried out: all are
-- listed as dropped; the 202 (accepted, never followed) as unknown.
CALL pg_temp.make_d();
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "path": "/D_3$", "action": "location", "value": "http://evil.example/api/v2/results/x", "ms": 100}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 100}');
CALL pg_temp.emuctl('fault', '{"method": "GET", "query": "fromName=", "times": -1, "action": "latency", "ms": 1000}');
SELECT * FROM pg_temp.attempt($$DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%'$$);
SELECT detail FROM caught;
SHOW snowfdw.open_transfers;

-- ===================================================================
-- ... and a 2xx whose body is larger than max_response_size
-- ===================================================================
-- The drop of D_3 is answered with a body too large to read: it was
-- carried out all the same, and is listed with the others
CALL pg_temp.make_d();
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "path": "/D_3$", "action": "pad", "bytes": 5000, "ms": 100}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 100}');
CALL pg_temp.emuctl('fault', '{"method": "GET", "query": "fromName=", "times": -1, "action": "latency", "ms": 1000}');
SELECT * FROM pg_temp.attempt($$DELETE FROM wr.schemas_small WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%'$$);

-- ===================================================================
-- A drop waiting for its retry after a 429 when another one fails
-- ===================================================================
-- D_2 is answered 429 (Retry-After 1 s), D_3 500 meanwhile: nothing more
-- is sent, so D_2 was never carried out and is not listed; the 500 may
-- have been (it is the error, and listed as unknown)
ALTER SERVER wr_srv OPTIONS (SET max_retries '1');
CALL pg_temp.make_d();
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "path": "/D_2$", "action": "status", "status": 429, "retry_after": "1", "ms": 150}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "path": "/D_3$", "action": "status", "status": 500, "ms": 300}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 100}');
SELECT sqlstate, message, done, unknown, done_is_logged
  FROM pg_temp.attempt($$DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%'$$);
SELECT method, object, status FROM pg_temp.writes() ORDER BY object;
ALTER SERVER wr_srv OPTIONS (SET max_retries '0');

-- ===================================================================
-- The scan under the DELETE fails: 403 on its second page
-- ===================================================================
-- The error comes from the scan, not from a write: the drops that ended
-- (taken or not) are listed all the same
CALL pg_temp.make_d();
CALL pg_temp.emuctl('fault', '{"method": "GET", "query": "fromName=", "action": "status", "status": 403, "message": "Insufficient privileges.", "ms": 1000}');
SELECT * FROM pg_temp.attempt($$DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%'$$);

-- ===================================================================
-- statement_timeout while the scan waits, one drop never answered
-- ===================================================================
CALL pg_temp.make_d();
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "path": "/D_4$", "action": "hang", "seconds": 3}');
CALL pg_temp.emuctl('fault', '{"method": "DELETE", "times": -1, "action": "latency", "ms": 50}');
CALL pg_temp.emuctl('fault', '{"method": "GET", "query": "fromName=", "action": "latency", "ms": 4000}');
SET statement_timeout = '1500ms';
SELECT * FROM pg_temp.attempt($$DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%'$$);
RESET statement_timeout;
SHOW snowfdw.open_transfers;

-- ===================================================================
-- An error raised elsewhere in the plan (a row's qual)
-- ===================================================================
CREATE FUNCTION pg_temp.fail_at(name text) RETURNS bool
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF name = 'D_3' THEN
    PERFORM pg_sleep(1);  -- the drops of D_1 and D_2 end meanwhile
    RAISE EXCEPTION 'no further than %', name;
  END IF;
  RETURN true;
END $$;
CALL pg_temp.make_d();
SELECT * FROM pg_temp.attempt($$DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'D\_%' AND pg_temp.fail_at(name)$$);

-- ===================================================================
-- UPDATE reads each schema right before its PUT
-- ===================================================================
-- (psql shows the command tags, UPDATE's row counts among them)
\set QUIET off
-- Another client changes U_1's retention between the scan's GET and the
-- PUT: the PUT is built from a GET of its own, so that change survives
INSERT INTO wr.schemas_wide (database_name, name, comment, data_retention_time_in_days)
  VALUES ('EMPTY_DB', 'U_1', 'before', 1), ('EMPTY_DB', 'U_2', 'before', 1);
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas/U_1$", "action": "then_alter", "set": {"data_retention_time_in_days": 5}}');
CALL pg_temp.emuctl('clear-log');
UPDATE wr.schemas SET comment = 'after' WHERE database_name = 'EMPTY_DB' AND name = 'U_1';
CALL pg_temp.snap();
SELECT method, regexp_replace(path, '.*/', '') AS object, status FROM snap ORDER BY seq;
-- one at a time, the same
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas/U_2$", "action": "then_alter", "set": {"data_retention_time_in_days": 6}}');
UPDATE wr.schemas_serial SET comment = 'after' WHERE database_name = 'EMPTY_DB' AND name = 'U_2';
CALL pg_temp.emuctl('clear-faults');
SELECT name, comment, data_retention_time_in_days FROM wr.schemas_wide
  WHERE database_name = 'EMPTY_DB' AND name LIKE 'U\_%' ORDER BY name;

-- A schema dropped between the scan and the PUT is not updated, and not
-- created again: UPDATE 0, pipelined or not
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas/U_1$", "action": "then_drop"}');
CALL pg_temp.emuctl('clear-log');
UPDATE wr.schemas SET comment = 'again' WHERE database_name = 'EMPTY_DB' AND name = 'U_1';
CALL pg_temp.snap();
SELECT method, regexp_replace(path, '.*/', '') AS object, status FROM snap ORDER BY seq;
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/schemas/U_2$", "action": "then_drop"}');
UPDATE wr.schemas_serial SET comment = 'again' WHERE database_name = 'EMPTY_DB' AND name = 'U_2';
CALL pg_temp.emuctl('clear-faults');
SELECT count(*) AS recreated FROM wr.schemas WHERE database_name = 'EMPTY_DB' AND name LIKE 'U\_%';

-- after a listing (one page: the database holds V_1 to V_3 alone): V_2 is
-- dropped once the listing is answered, so its GET finds nothing and 2 rows
-- are updated, pipelined or not
DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB';
INSERT INTO wr.schemas (database_name, name)
  SELECT 'EMPTY_DB', 'V_' || g FROM generate_series(1, 3) g;
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/EMPTY_DB/schemas$", "action": "then_drop", "schema": "V_2"}');
CALL pg_temp.emuctl('clear-log');
UPDATE wr.schemas SET comment = 'listed' WHERE database_name = 'EMPTY_DB' AND name LIKE 'V\_%';
CALL pg_temp.snap();
SELECT method, regexp_replace(path, '.*/', '') AS object, query, status FROM snap
 ORDER BY method, object;
INSERT INTO wr.schemas (database_name, name) VALUES ('EMPTY_DB', 'V_2');
CALL pg_temp.emuctl('fault', '{"method": "GET", "path": "/EMPTY_DB/schemas$", "action": "then_drop", "schema": "V_2"}');
CALL pg_temp.emuctl('clear-log');
UPDATE wr.schemas_serial SET comment = 'listed' WHERE database_name = 'EMPTY_DB' AND name LIKE 'V\_%';
CALL pg_temp.snap();
SELECT method, regexp_replace(path, '.*/', '') AS object, query, status FROM snap
 ORDER BY seq;
CALL pg_temp.emuctl('clear-faults');
SELECT name, comment FROM wr.schemas
  WHERE database_name = 'EMPTY_DB' AND name LIKE 'V\_%' ORDER BY name;
\set QUIET on

-- clean up
DELETE FROM wr.schemas WHERE database_name = 'EMPTY_DB';
DROP SCHEMA wr CASCADE;
DROP SERVER wr_srv CASCADE;
DROP SERVER wr_small CASCADE;
