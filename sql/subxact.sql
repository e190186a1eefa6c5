-- Transfers belong to their subtransaction, cursor or statement: errors
-- caught at each point a scan can fail, savepoint rollbacks and cursors in
-- subtransactions leave no transfer open (snowfdw.open_transfers counts
-- them), and a thousand caught errors fit in one transaction.
\getenv testdir SNOWFDW_TEST_DIR
\i :testdir/helpers.sql

CREATE SERVER sx_srv FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', page_size '3', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER sx_srv OPTIONS (token :'pat');
CREATE FOREIGN TABLE sx_schemas (name text, comment text, database_name text)
  SERVER sx_srv OPTIONS (object 'schemas');
-- every name fails as an integer: a conversion error on the first row
CREATE FOREIGN TABLE sx_schemas_int (name int, database_name text)
  SERVER sx_srv OPTIONS (object 'schemas');
CREATE FOREIGN TABLE sx_stages_int (name int, database_name text, schema_name text)
  SERVER sx_srv OPTIONS (object 'stages');

-- caught(query, n, raise_after): run query n times, each in its own
-- subtransaction, catching its error; raise_after > 0 reads it in a loop
-- (a cursor) and raises after that many rows, 0 runs it whole (no cursor).  Says how many errors
-- were caught, the last one, and how many transfers are still open.
CREATE FUNCTION pg_temp.caught(query text, n int, raise_after int DEFAULT 0)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  caught int := 0;
  last text := '';
  k int;
  r record;
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      IF raise_after = 0 THEN
        EXECUTE query;
      ELSE
        k := 0;
        FOR r IN EXECUTE query LOOP
          k := k + 1;
          IF k = raise_after THEN
            RAISE EXCEPTION 'stopped after row %', k;
          END IF;
        END LOOP;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      caught := caught + 1;
      last := SQLSTATE || ' ' || SQLERRM;
    END;
  END LOOP;
  RETURN format('%s of %s caught (%s), %s transfers open', caught, n, last,
                current_setting('snowfdw.open_transfers'));
END $$;

SHOW snowfdw.open_transfers;
-- should fail: it is read-only
SET snowfdw.open_transfers = 1;

-- ===================================================================
-- an error on the first row, whole or in a loop
-- ===================================================================
SELECT pg_temp.caught($$SELECT * FROM sx_schemas_int WHERE database_name = 'SALES'$$, 100);
SELECT pg_temp.caught($$SELECT * FROM sx_schemas_int WHERE database_name = 'SALES'$$, 100, 1000);
-- fan-out: one listing of stages per schema of SALES, concurrently
SELECT pg_temp.caught($$SELECT * FROM sx_stages_int WHERE database_name = 'SALES'$$, 100);

-- ===================================================================
-- mid-stream: the reader stops within the first page
-- ===================================================================
SELECT pg_temp.caught($$SELECT * FROM sx_schemas WHERE database_name = 'SALES'$$, 100, 2);

-- ===================================================================
-- between pages: at the end of the first page, and when the next fails
-- ===================================================================
SELECT pg_temp.caught($$SELECT * FROM sx_schemas WHERE database_name = 'SALES'$$, 100, 3);
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "query": "fromName=", "times": -1, "action": "status", "status": 503}');
SELECT pg_temp.caught($$SELECT * FROM sx_schemas WHERE database_name = 'SALES'$$, 100, 1000);
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- the large-result hand-off: first row, a later page, a failed page
-- ===================================================================
-- (a server without page_size: one hand-off holds the whole listing)
CREATE SERVER sx_big FOREIGN DATA WRAPPER snowfdw
  OPTIONS (url :'emu_url', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER sx_big OPTIONS (token :'pat');
CREATE FOREIGN TABLE sx_big_schemas (name text, database_name text)
  SERVER sx_big OPTIONS (object 'schemas');
CREATE FOREIGN TABLE sx_big_schemas_int (name int, database_name text)
  SERVER sx_big OPTIONS (object 'schemas');
CALL pg_temp.emuctl('fault', '{"path": "/schemas$", "times": -1, "action": "large", "page_size": 3}');
SELECT count(*) FROM sx_big_schemas WHERE database_name = 'SALES';
SELECT pg_temp.caught($$SELECT * FROM sx_big_schemas_int WHERE database_name = 'SALES'$$, 100);
SELECT pg_temp.caught($$SELECT * FROM sx_big_schemas WHERE database_name = 'SALES'$$, 100, 4);
CALL pg_temp.emuctl('fault', '{"path": "/results/", "times": -1, "action": "status", "status": 500}');
SELECT pg_temp.caught($$SELECT * FROM sx_big_schemas WHERE database_name = 'SALES'$$, 100, 1000);
CALL pg_temp.emuctl('clear-faults');

-- ===================================================================
-- savepoints and cursors
-- ===================================================================
BEGIN;
DECLARE c1 CURSOR FOR SELECT name FROM sx_schemas WHERE database_name = 'SALES';
FETCH 2 FROM c1;
SHOW snowfdw.open_transfers;
-- the next page starts inside the savepoint; the cursor outlives its
-- rollback, and so does its transfer
SAVEPOINT a;
FETCH 2 FROM c1;
ROLLBACK TO a;
SHOW snowfdw.open_transfers;
FETCH ALL FROM c1;
SHOW snowfdw.open_transfers;
CLOSE c1;
-- an error in a savepoint
SAVEPOINT b;
-- should fail
SELECT * FROM sx_schemas_int WHERE database_name = 'SALES';
ROLLBACK TO b;
SHOW snowfdw.open_transfers;
-- a cursor declared and read in a savepoint that is rolled back
SAVEPOINT c;
DECLARE c2 CURSOR FOR SELECT name FROM sx_schemas WHERE database_name = 'SALES';
FETCH 1 FROM c2;
SHOW snowfdw.open_transfers;
ROLLBACK TO c;
SHOW snowfdw.open_transfers;
-- ... in a savepoint that is released: it goes on after
SAVEPOINT d;
DECLARE c3 CURSOR FOR SELECT name FROM sx_schemas WHERE database_name = 'SALES';
FETCH 1 FROM c3;
RELEASE d;
FETCH 1 FROM c3;
SHOW snowfdw.open_transfers;
CLOSE c3;
SHOW snowfdw.open_transfers;
COMMIT;

-- a cursor opened and closed in a subtransaction, which then fails; and
-- one left open when it fails
DO $$
DECLARE
  c refcursor;
  r record;
BEGIN
  FOR i IN 1..100 LOOP
    BEGIN
      OPEN c FOR SELECT name FROM sx_schemas WHERE database_name = 'SALES';
      FETCH c INTO r;
      CLOSE c;
      RAISE EXCEPTION 'roll back';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
    BEGIN
      OPEN c FOR SELECT name FROM sx_schemas WHERE database_name = 'SALES';
      FETCH c INTO r;
      RAISE EXCEPTION 'roll back';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
  END LOOP;
  RAISE NOTICE '% transfers open', current_setting('snowfdw.open_transfers');
END $$;

-- ===================================================================
-- a thousand caught errors in one transaction
-- ===================================================================
BEGIN;
SELECT pg_temp.caught($$SELECT * FROM sx_schemas_int WHERE database_name = 'SALES'$$, 1000);
SELECT pg_temp.caught($$SELECT * FROM sx_schemas WHERE database_name = 'SALES'$$, 1000, 2);
COMMIT;
SHOW snowfdw.open_transfers;

-- ===================================================================
-- cleanup
-- ===================================================================
SET client_min_messages = warning;
DROP SERVER sx_srv, sx_big CASCADE;
RESET client_min_messages;
