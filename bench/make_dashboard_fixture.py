#!/usr/bin/python3
"""Emulator fixture of the dashboard benchmark: 10 databases x 20 schemas,
each schema with a stage of three files and a stream."""
import json
import sys

fixture = {
    "account": "DASH-ACCOUNT",
    "tokens": [{"token": "bench-pat-0123456789", "type": "PROGRAMMATIC_ACCESS_TOKEN",
                "user": "BENCH", "role": "SYSADMIN"}],
    "users": [{"name": "BENCH", "role": "SYSADMIN", "public_keys": []}],
    "databases": [],
}
for d in range(10):
    schemas = []
    for s in range(20):
        schemas.append({
            "name": "S_%02d" % s,
            "comment": "schema %d of DASH_%d" % (s, d),
            "stages": [{"name": "LANDING", "comment": "landing files",
                        "encryption": {"type": "SNOWFLAKE_SSE"},
                        "directory_table": {"enable": True},
                        "files": [{"name": "landing/part_%d.csv" % f, "size": str(1000 * (f + 1)),
                                   "md5": "%032x" % (d * 1000 + s * 10 + f),
                                   "last_modified": "Tue, 12 Mar 2024 10:00:00 GMT"}
                                  for f in range(3)]}],
            "streams": [{"name": "CHANGES", "stream_source": {"src_type": "table", "name": "EVENTS"},
                         "comment": "changes of EVENTS"}],
        })
    fixture["databases"].append({"name": "DASH_%d" % d, "comment": "dashboard database %d" % d,
                                 "schemas": schemas})
json.dump(fixture, open(sys.argv[1], "w"))
