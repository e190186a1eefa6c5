#!/usr/bin/python3
"""Listing server for the scale benchmarks: serves pre-built JSON bytes.

The emulator builds every answer with json.dumps, which takes seconds for a
million objects: it would measure itself, not snowfdw.  This server builds
each body once at start and then only writes bytes, so a client's time is
its own.  It speaks HTTP/1.1 with keep-alive and Content-Length and answers
  GET /api/v2/databases/BENCH/schemas/PUBLIC/stages/F<n>/files
      a StageFile array of n files (n from --files)
  GET /api/v2/databases/PAGED/schemas?showLimit=L&fromName=N
      keyset pages over --schemas schemas named S_000000...
  GET /_stats   {"requests": .., "bytes_sent": .., "bytes_planned": ..}
Authentication is not checked: this is a measuring instrument for the
receive path only (the emulator checks requests).

    listserver.py --port-file F --files 200000,1000000 --schemas 100000
"""
import argparse
import bisect
import http.server
import json
import os
import socketserver
import threading
import urllib.parse

CHUNK = 256 * 1024


def file_row(i):
    return ('{"name":"data/part-%07d.parquet","size":"%d","md5":"%032x",'
            '"last_modified":"Tue, 12 Mar 2024 10:%02d:%02d GMT"}'
            % (i, 1000 + (i * 7919) % 1000000, i * 2654435761 % (1 << 128), (i // 60) % 60, i % 60))


def schema_row(name):
    return ('{"name":"%s","database_name":"PAGED","kind":"PERMANENT","owner":"SYSADMIN",'
            '"comment":"benchmark schema","created_on":"2024-03-12T10:00:00.000+00:00",'
            '"is_current":false,"is_default":false,"managed_access":false,'
            '"retention_time":1,"budget":null,"dropped_on":null}' % name)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 128


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send_body(self, status, body):
        st = self.server.stats
        with st["lock"]:
            st["requests"] += 1
            st["bytes_planned"] += len(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Snowflake-Request-ID", "00000000-0000-0000-0000-000000000000")
        self.end_headers()
        view = memoryview(body)
        try:
            for i in range(0, len(body), CHUNK):
                self.wfile.write(view[i:i + CHUNK])
                with st["lock"]:
                    st["bytes_sent"] += len(view[i:i + CHUNK])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        path, _, query = self.path.partition("?")
        q = dict(urllib.parse.parse_qsl(query))
        if path == "/_stats":
            st = self.server.stats
            with st["lock"]:
                body = json.dumps({k: v for k, v in st.items() if k != "lock"}).encode()
            return self.send_body(200, body)
        if path == "/_reset":
            st = self.server.stats
            with st["lock"]:
                st.update(requests=0, bytes_sent=0, bytes_planned=0)
            return self.send_body(200, b"{}")
        prefix = "/api/v2/databases/BENCH/schemas/PUBLIC/stages/"
        if path.startswith(prefix) and path.endswith("/files"):
            body = self.server.files.get(path[len(prefix):-len("/files")])
            if body is not None:
                return self.send_body(200, body)
        if path == "/api/v2/databases/PAGED/schemas":
            names, rows = self.server.schemas
            limit = int(q.get("showLimit", "10000"))
            start = bisect.bisect_left(names, q["fromName"]) if "fromName" in q else 0
            page = rows[start:start + limit]
            return self.send_body(200, b"[" + b",".join(page) + b"]")
        self.send_body(404, b'{"code":"002003","message":"not found in the benchmark server"}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--files", default="200000")
    ap.add_argument("--schemas", type=int, default=100000)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.stats = {"lock": threading.Lock(), "requests": 0, "bytes_sent": 0, "bytes_planned": 0}
    srv.files = {}
    for n in [int(x) for x in args.files.split(",") if x]:
        srv.files["F%d" % n] = ("[" + ",\n".join(file_row(i) for i in range(n)) + "]").encode()
    names = ["S_%06d" % i for i in range(args.schemas)]
    srv.schemas = (names, [schema_row(n).encode() for n in names])
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
