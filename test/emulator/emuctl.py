#!/usr/bin/python3
"""Command-line client for the emulator's admin API (/_emulator/...).

Server location: --url URL, else env SNOWFDW_EMU_URL (http://127.0.0.1:PORT),
else --port-file PATH (the file snowemu.py writes).

Subcommands:
  reset [FIXTURE.json]           reset everything (no argument: the startup fixture)
  fault 'JSON rule'              append one fault rule
  clear-faults                   remove all fault rules
  log [--tsv]                    print the request log (JSON, or TSV lines)
  clear-log                      empty the log (and restart connection ids/count)
  connections                    print the number of API connections since reset/clear-log
  concurrency                    print the most API requests answered at once since reset/clear-log
  listeners [NAME]               print each listener (or NAME's) as TSV: name, scheme, port,
                                 connections, TLS handshakes, of which resumed, failed handshakes
                                 (refused, or left without a request)
  clock-offset SECONDS           shift "now" for JWT checks
  mark                           print the next tick of the emulator's logical clock (log entries
                                 carry the ticks of their arrival and answer)
  open-gate NAME                 let the requests held by "gate" rules named NAME go
  blackhole                      print a loopback port whose TCP connect never completes
  add-user NAME PUBLIC_KEY_PEM_FILE [--role ROLE]
  add-token TOKEN TYPE USER [--role ROLE]

Prints nothing on success except for log, connections, concurrency, listeners and mark; on failure prints a
message to stderr and exits 1. Writes no files, so any user can run it (the
PostgreSQL server runs it through COPY ... FROM PROGRAM).

TSV (one line per request, no header): seq, conn, method, path, query, status,
body. Text is escaped like PostgreSQL COPY text format (backslash, tab, newline,
carriage return as \\\\, \\t, \\n, \\r); a missing body or status is \\N, so
``COPY t FROM PROGRAM 'emuctl.py log --tsv'`` loads it directly.
"""

import argparse
import json
import os
import socket
import sys


class CtlError(Exception):
    """Failure reported to the user with exit status 1."""


def base_url(args):
    if args.url:
        return args.url.rstrip("/")
    env = os.environ.get("SNOWFDW_EMU_URL")
    if env:
        return env.rstrip("/")
    if args.port_file:
        try:
            with open(args.port_file) as fh:
                port = int(fh.read().strip())
        except (OSError, ValueError) as e:
            raise CtlError("cannot read port from %s: %s" % (args.port_file, e))
        return "http://127.0.0.1:%d" % port
    raise CtlError("no server: give --url, set SNOWFDW_EMU_URL or give --port-file")


def call(url, method, path, payload=None, raw=None):
    """One admin request; returns the decoded JSON answer.

    A plain HTTP/1.0 exchange on a socket: tests run this client hundreds of
    times per run (from SQL through COPY ... FROM PROGRAM, and in polling
    loops), and urllib's imports cost more CPU than the request itself.  The
    emulator is on loopback: no proxy, no TLS.
    """
    data = raw if raw is not None else (None if payload is None else json.dumps(payload).encode("utf-8"))
    if not url.startswith("http://"):
        raise CtlError("the emulator's admin URL must be http://: %s" % url)
    hostport = url[len("http://"):].split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    host = host or "127.0.0.1"
    head = "%s %s HTTP/1.0\r\nHost: %s\r\n" % (method, path, hostport)
    if data is not None:
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(data)
    try:
        with socket.create_connection((host, int(port)), timeout=30) as s:
            s.sendall(head.encode("ascii") + b"\r\n" + (data or b""))
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except (OSError, ValueError) as e:
        raise CtlError("cannot reach emulator at %s: %s" % (url, e))
    reply = b"".join(chunks)
    header, _, body = reply.partition(b"\r\n\r\n")
    try:
        status = int(header.split(b" ", 2)[1])
        answer = json.loads(body.decode("utf-8"))
    except (IndexError, ValueError) as e:
        raise CtlError("%s %s: unreadable answer from %s: %s" % (method, path, url, e))
    if status != 200:
        msg = answer.get("error") if isinstance(answer, dict) else None
        raise CtlError("%s %s: HTTP %d%s" % (method, path, status, ": " + msg if msg else ""))
    return answer


def copy_escape(value):
    """PostgreSQL COPY text-format escaping; None becomes \\N."""
    if value is None:
        return "\\N"
    s = str(value)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def read_file(path):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise CtlError("cannot read %s: %s" % (path, e))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="emuctl", description="snowemu admin client")
    ap.add_argument("--url", help="emulator base URL, e.g. http://127.0.0.1:PORT")
    ap.add_argument("--port-file", help="port file written by snowemu.py")
    # The same options are accepted after the subcommand too (SUPPRESS keeps a
    # value given before the subcommand from being overwritten by None).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS)
    common.add_argument("--port-file", default=argparse.SUPPRESS)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("reset", parents=[common])
    p.add_argument("fixture", nargs="?")
    p = sub.add_parser("fault", parents=[common])
    p.add_argument("rule")
    sub.add_parser("clear-faults", parents=[common])
    p = sub.add_parser("log", parents=[common])
    p.add_argument("--tsv", action="store_true")
    sub.add_parser("clear-log", parents=[common])
    sub.add_parser("connections", parents=[common])
    sub.add_parser("concurrency", parents=[common])
    p = sub.add_parser("listeners", parents=[common])
    p.add_argument("name", nargs="?")
    p = sub.add_parser("clock-offset", parents=[common])
    p.add_argument("seconds", type=float)
    sub.add_parser("blackhole", parents=[common])
    sub.add_parser("mark", parents=[common])
    p = sub.add_parser("open-gate", parents=[common])
    p.add_argument("name")
    p = sub.add_parser("add-user", parents=[common])
    p.add_argument("name")
    p.add_argument("pem_file")
    p.add_argument("--role")
    p = sub.add_parser("add-token", parents=[common])
    p.add_argument("token")
    p.add_argument("type")
    p.add_argument("user")
    p.add_argument("--role")
    args = ap.parse_args(argv)
    try:
        url = base_url(args)
        if args.cmd == "reset":
            raw = read_file(args.fixture) if args.fixture else b""
            if raw:
                try:
                    json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    raise CtlError("%s is not valid JSON: %s" % (args.fixture, e))
            call(url, "POST", "/_emulator/reset", raw=raw)
        elif args.cmd == "fault":
            try:
                rule = json.loads(args.rule)
            except ValueError as e:
                raise CtlError("rule is not valid JSON: %s" % e)
            call(url, "POST", "/_emulator/faults", rule)
        elif args.cmd == "clear-faults":
            call(url, "DELETE", "/_emulator/faults")
        elif args.cmd == "log":
            log = call(url, "GET", "/_emulator/log")
            if args.tsv:
                out = "".join("\t".join(copy_escape(e[k]) for k in (
                    "seq", "conn", "method", "path", "query", "status", "body")) + "\n" for e in log)
            else:
                out = json.dumps(log, indent=1, ensure_ascii=False) + "\n"
            # UTF-8 whatever the locale (COPY FROM PROGRAM may run with LANG unset).
            sys.stdout.buffer.write(out.encode("utf-8"))
            sys.stdout.flush()
        elif args.cmd == "clear-log":
            call(url, "DELETE", "/_emulator/log")
        elif args.cmd == "connections":
            print(call(url, "GET", "/_emulator/connections")["count"])
        elif args.cmd == "concurrency":
            print(call(url, "GET", "/_emulator/concurrency")["max_in_flight"])
        elif args.cmd == "listeners":
            found = False
            for listener in call(url, "GET", "/_emulator/listeners"):
                if args.name is None or listener["name"] == args.name:
                    found = True
                    print("\t".join(str(listener[k]) for k in (
                        "name", "scheme", "port", "connections", "handshakes", "resumed", "failed")))
            if not found:
                raise CtlError("no listener named %s" % args.name)
        elif args.cmd == "clock-offset":
            call(url, "POST", "/_emulator/clock-offset", {"seconds": args.seconds})
        elif args.cmd == "blackhole":
            print(call(url, "POST", "/_emulator/blackhole")["port"])
        elif args.cmd == "mark":
            print(call(url, "POST", "/_emulator/mark")["tick"])
        elif args.cmd == "open-gate":
            call(url, "POST", "/_emulator/gates", {"name": args.name})
        elif args.cmd == "add-user":
            pem = read_file(args.pem_file).decode("ascii", "replace")
            body = {"name": args.name, "public_key_pem": pem}
            if args.role:
                body["role"] = args.role
            call(url, "POST", "/_emulator/users", body)
        elif args.cmd == "add-token":
            body = {"token": args.token, "type": args.type, "user": args.user}
            if args.role:
                body["role"] = args.role
            call(url, "POST", "/_emulator/tokens", body)
    except CtlError as e:
        sys.stderr.write("emuctl: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
