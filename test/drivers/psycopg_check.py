"""Through a real driver (psycopg 3): prepared statements past psycopg's
prepare threshold (server-side generic plans), and a named (server-side)
cursor fetched in chunks over an asynchronous Append.  Rows must be exact:
the same as the serial plan with pushdown off.  Prints one line per check,
"ok - NAME" or "not ok - NAME: why".

Usage: psycopg_check.py CONNINFO EMU_URL EMUCTL
"""

import subprocess
import sys

import psycopg

conninfo, emu_url, emuctl = sys.argv[1:4]


def emu(*args):
    return subprocess.run([sys.executable, emuctl, *args], check=True,
                          capture_output=True, text=True).stdout


def logged():
    """Request log lines (method, path, query) since the last clear-log."""
    rows = []
    for line in emu("log", "--tsv").splitlines():
        f = line.split("\t")
        rows.append((f[2], f[3], f[4]))
    return rows


results = []


def check(name, ok, why=""):
    results.append(ok)
    print(("ok - %s" % name) if ok else ("not ok - %s: %s" % (name, why)))


with psycopg.connect(conninfo, autocommit=True) as conn:
    conn.execute("SET client_min_messages = warning")
    conn.execute("DROP SCHEMA IF EXISTS drv CASCADE")
    conn.execute("DROP SERVER IF EXISTS drv_srv CASCADE")
    conn.execute("CREATE EXTENSION IF NOT EXISTS snowfdw")
    conn.execute("CREATE SERVER drv_srv FOREIGN DATA WRAPPER snowfdw "
                 "OPTIONS (url '%s', page_size '2')" % emu_url)
    conn.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER drv_srv "
                 "OPTIONS (token 'test-pat-alice-0123456789')")
    conn.execute("CREATE SCHEMA drv")
    conn.execute("IMPORT FOREIGN SCHEMA snowflake FROM SERVER drv_srv INTO drv")

    def expected(sql, params=()):
        """Rows with pushdown off and no asynchronous execution."""
        with conn.transaction():
            conn.execute("SET LOCAL snowfdw.enable_pushdown = off")
            conn.execute("SET LOCAL enable_async_append = off")
            return sorted(conn.execute(sql, params, prepare=False).fetchall())

    # ---------------------------------------------------------------
    # prepared statements past the prepare threshold (5 by default)
    # ---------------------------------------------------------------
    like_sql = ("SELECT name FROM drv.remote_schemas "
                "WHERE database_name = %s AND name LIKE %s")
    limit_sql = ("SELECT name FROM drv.remote_schemas "
                 "WHERE database_name = %s LIMIT %s")
    cases = [("SALES", "ST%"), ("SALES", "%i%"), ("MARKETING", "C%"),
             ("SALES", "P%"), ("SALES", "a\\/b"), ("SALES", "%"),
             ("SALES", "S%"), ("MARKETING", "%U%")]
    for run in range(3):
        for db, pattern in cases:
            got = sorted(conn.execute(like_sql, (db, pattern)).fetchall())
            want = expected(like_sql, (db, pattern))
            if got != want:
                check("LIKE %s %r, round %d" % (db, pattern, run), False,
                      "%r != %r" % (got, want))
                break
        else:
            continue
        break
    else:
        check("LIKE with parameters, %d executions: rows exact" % (3 * len(cases)), True)
    # the statement is prepared on the server by now: a generic plan pushes
    # the pattern as a constant would be
    with conn.transaction():
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        emu("clear-log")
        got = sorted(conn.execute(like_sql, ("SALES", "ST%")).fetchall())
        log = logged()
    prepared = conn.execute("SELECT count(*) FROM pg_prepared_statements "
                            "WHERE statement LIKE '%%name LIKE $2%%'").fetchone()[0]
    check("prepared on the server by the driver", prepared == 1, repr(prepared))
    check("generic plan: rows exact", got == [("STAGING",)], repr(got))
    check("generic plan: startsWith sent",
          any("startsWith=ST" in q for _, _, q in log), repr(log))
    for run in range(8):
        n = 1 + run % 3
        got = conn.execute(limit_sql, ("SALES", n)).fetchall()
        if len(got) != n:
            check("LIMIT %d, execution %d" % (n, run + 1), False, repr(got))
            break
    else:
        check("LIMIT with a parameter, 8 executions: row counts exact", True)
    emu("clear-log")
    with conn.transaction():
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.execute(limit_sql, ("SALES", 2)).fetchall()
    log = logged()
    check("generic plan: showLimit=2 sent", any("showLimit=2" in q for _, _, q in log), repr(log))

    # ---------------------------------------------------------------
    # a named cursor fetched in chunks over an asynchronous Append
    # ---------------------------------------------------------------
    union_sql = """
        SELECT database_name, schema_name, name FROM drv.remote_stages
         WHERE database_name = 'SALES' AND schema_name = 'PUBLIC'
        UNION ALL
        SELECT database_name, schema_name, name FROM drv.remote_stages
         WHERE database_name = 'SALES' AND schema_name = 'My Schema'
        UNION ALL
        SELECT database_name, schema_name, name FROM drv.remote_streams
         WHERE database_name = 'SALES' AND schema_name = 'PUBLIC'
        UNION ALL
        SELECT database_name, schema_name, name FROM drv.remote_streams
         WHERE database_name = 'MARKETING' AND schema_name = 'CAMPAIGNS'"""
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + union_sql))
    check("the Append is asynchronous", plan.count("Async Foreign Scan") == 4, plan)
    want = expected(union_sql)
    for chunk in (1, 2, 3, 5):
        with conn.transaction():
            with conn.cursor(name="drv_cur") as cur:
                cur.itersize = chunk
                cur.execute(union_sql)
                got = []
                while True:
                    rows = cur.fetchmany(chunk)
                    if not rows:
                        break
                    got.extend(rows)
        check("named cursor, chunks of %d: rows exact" % chunk,
              sorted(got) == want, "%r != %r" % (sorted(got), want))
    transfers = conn.execute("SHOW snowfdw.open_transfers").fetchone()[0]
    check("no transfer left open", transfers == "0", transfers)

    conn.execute("DROP SCHEMA drv CASCADE")
    conn.execute("DROP SERVER drv_srv CASCADE")

sys.exit(0 if all(results) else 1)
