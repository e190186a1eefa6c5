#!/usr/bin/python3
"""Emulator fixture for the benchmarks: many databases with many schemas,
one database (BIG) large enough that a listing is many pages, and 300
databases D001..D300 of 20 schemas each for the join benchmark."""
import json
import sys

big = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
fixture = {
    "account": "BENCH-ACCOUNT",
    "tokens": [{"token": "bench-pat-0123456789", "type": "PROGRAMMATIC_ACCESS_TOKEN",
                "user": "BENCH", "role": "SYSADMIN"}],
    "users": [{"name": "BENCH", "role": "SYSADMIN", "public_keys": []}],
    "databases": [],
}
for d in range(8):
    fixture["databases"].append({
        "name": "DB_%d" % d,
        "schemas": [{"name": "S_%04d" % s, "comment": "schema %d of DB_%d" % (s, d)}
                    for s in range(50)],
    })
fixture["databases"].append({
    "name": "BIG",
    "schemas": [{"name": "S_%06d" % s, "comment": "x" * 40} for s in range(big)],
})
# the join benchmark: an account of 300 databases x 20 schemas
for d in range(1, 301):
    fixture["databases"].append({
        "name": "D%03d" % d,
        "schemas": [{"name": "S_%04d" % s, "comment": "join benchmark"} for s in range(20)],
    })
json.dump(fixture, open(sys.argv[1], "w"))
