-- Shared by the regression tests (\i :testdir/helpers.sql): emulator control
-- through COPY ... FROM PROGRAM, the request log as a table, the secrets as
-- psql variables so that no secret is ever echoed into test output.
\set ECHO none
\set VERBOSITY default
\getenv emu_url SNOWFDW_EMU_URL
\getenv emuctl SNOWFDW_EMUCTL
\getenv key_dir SNOWFDW_KEY_DIR
\set pat 'test-pat-alice-0123456789'
\set oauth 'test-oauth-bob-0123456789'
SET snowfdw_test.emuctl = :'emuctl';
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS snowfdw;

-- shell word for a text
CREATE OR REPLACE FUNCTION pg_temp.shell_quote(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '''' || replace(t, '''', '''\''''') || '''' $$;

-- program_lines('cmd'): run a shell command, return its output lines
CREATE OR REPLACE FUNCTION pg_temp.program_lines(cmd text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.emu_out') IS NULL THEN
    CREATE TEMP TABLE emu_out (line text);
  END IF;
  TRUNCATE pg_temp.emu_out;
  EXECUTE format('COPY pg_temp.emu_out FROM PROGRAM %L WITH (FORMAT csv, DELIMITER E''\x01'', QUOTE E''\x02'')', cmd);
  RETURN QUERY SELECT line FROM pg_temp.emu_out;
END $$;

-- emu('reset'), emu('fault', '{...}'): run emuctl, return its output lines
CREATE OR REPLACE FUNCTION pg_temp.emu(VARIADIC args text[]) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT pg_temp.program_lines(
    '/usr/bin/python3 ' || pg_temp.shell_quote(current_setting('snowfdw_test.emuctl'))
    || ' ' || (SELECT string_agg(pg_temp.shell_quote(a), ' ') FROM unnest(args) a)) $$;

-- CALL pg_temp.emuctl('clear-log'): the same, for commands whose output is not wanted
CREATE OR REPLACE PROCEDURE pg_temp.emuctl(VARIADIC args text[])
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_temp.emu(VARIADIC args);
END $$;

-- the emulator's request log since the last reset or clear-log
CREATE OR REPLACE FUNCTION pg_temp.emu_requests()
RETURNS TABLE (seq int, conn int, method text, path text, query text, status int, body text)
LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.emu_log') IS NULL THEN
    CREATE TEMP TABLE emu_log (seq int, conn int, method text, path text, query text, status int, body text);
  END IF;
  TRUNCATE pg_temp.emu_log;
  EXECUTE format('COPY pg_temp.emu_log FROM PROGRAM %L',
                 '/usr/bin/python3 ' || pg_temp.shell_quote(current_setting('snowfdw_test.emuctl')) || ' log --tsv');
  RETURN QUERY SELECT * FROM pg_temp.emu_log ORDER BY 1;
END $$;

-- the emulator's log as JSON objects, with what the TSV leaves out: fault,
-- bytes_total and bytes_sent (fewer when the client went away), ticks of
-- arrival and answer; emu_mark() takes a tick (test/emulator/README.md)
CREATE OR REPLACE FUNCTION pg_temp.emu_log_entries() RETURNS SETOF jsonb
LANGUAGE sql AS $$
  SELECT jsonb_array_elements(string_agg(l, E'\n')::jsonb) FROM pg_temp.emu('log') l $$;
CREATE OR REPLACE FUNCTION pg_temp.emu_mark() RETURNS int
LANGUAGE sql AS $$ SELECT l::int FROM pg_temp.emu('mark') l $$;

-- explain_analyze('query'): EXPLAIN ANALYZE as the same on every major.
-- From 18, PostgreSQL shows buffers by default (BUFFERS OFF) and actual rows
-- with two decimals ("rows=8.00"): whole counts are shown as 15 shows them.
CREATE OR REPLACE FUNCTION pg_temp.explain_analyze(query text)
RETURNS TABLE ("QUERY PLAN" text)
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE
    'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) ' || query
  LOOP
    "QUERY PLAN" := regexp_replace(line, '(actual rows=[0-9]+)\.00 ', '\1 ', 'g');
    RETURN NEXT;
  END LOOP;
END $$;

SELECT count(*) FROM pg_temp.emu('reset') \gset ignored_
RESET client_min_messages;
\set ECHO all

