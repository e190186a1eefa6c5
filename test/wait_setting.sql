\set ECHO none
-- \i :testdir/wait_setting.sql with psql variables setting and want: wait
-- until this backend has reloaded its configuration (pg_reload_conf) and
-- sees setting at want.  The caller then runs \set ECHO all (after the file,
-- so that the output is the same however many rounds it took).
SELECT current_setting(:'setting') <> :'want' AS reload_pending \gset
\if :reload_pending
SELECT pg_sleep(0.01) \gset ignored_
\i :testdir/wait_setting.sql
\endif
