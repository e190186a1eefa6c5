-- Shared by the tests of writes (pipeline.sql, write_report.sql), after
-- helpers.sql: the request log read once per statement, its writes, and a
-- statement's error caught with the objects its detail lists.
\set ECHO none
SET client_min_messages = warning;

-- the request log, read once after each statement (CALL pg_temp.snap())
CREATE TEMP TABLE snap AS SELECT * FROM pg_temp.emu_requests() WHERE false;
CREATE PROCEDURE pg_temp.snap()
LANGUAGE sql AS $$
  DELETE FROM snap;
  INSERT INTO snap SELECT * FROM pg_temp.emu_requests();
$$;
-- the writes of the log, each with its object's name from its body or path
CREATE FUNCTION pg_temp.writes()
RETURNS TABLE (seq int, method text, object text, status int)
LANGUAGE sql AS $$
  SELECT seq, method,
         substring(path FROM '/databases/([^/]+)/') || '.' ||
         CASE WHEN method = 'POST' THEN body::json->>'name'
              ELSE regexp_replace(path, '.*/', '') END,
         status
    FROM snap
   WHERE method IN ('POST', 'PUT', 'DELETE') ORDER BY seq
$$;
-- the error of a statement, caught (a cancel too)
CREATE TEMP TABLE caught (sqlstate text, message text, detail text);
CREATE PROCEDURE pg_temp.catch(stmt text)
LANGUAGE plpgsql AS $$
DECLARE
  s text; m text; d text;
BEGIN
  DELETE FROM caught;
  BEGIN
    EXECUTE stmt;
    INSERT INTO caught VALUES (NULL, 'no error', NULL);
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT,
                            d = PG_EXCEPTION_DETAIL;
    INSERT INTO caught VALUES (s, m, d);
  END;
END $$;
-- the objects a caught error's detail lists as done, or as of unknown outcome
CREATE FUNCTION pg_temp.listed(what text) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT unnest(string_to_array(
           substring(detail FROM CASE what
             WHEN 'done' THEN 'which ROLLBACK does not (?:remove|restore|undo): ([^.]*(?:\.[^ .][^.]*)*)\.'
             ELSE 'ended without an answer: ([^.]*(?:\.[^ .][^.]*)*)\.' END), ', '))
    FROM caught
$$;

RESET client_min_messages;
\set ECHO all
