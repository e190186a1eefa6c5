#!/usr/bin/python3
"""Snowflake REST API v2 emulator for the snowfdw tests.

A strict, stateful HTTP/1.1 server (keep-alive, Content-Length on every answer)
that follows the official OpenAPI spec (vendored in test/spec) for databases,
schemas, stages, stage files, streams and results. It also offers an admin API
under /_emulator/ (reset, fault injection, request log, clock offset, users and
tokens) used by the test harness, mostly through emuctl.py.

Usage:
    /usr/bin/python3 snowemu.py --port-file PATH [--fixture FILE.json] [--quiet]
                                [--tls NAME CERT KEY]...

Binds 127.0.0.1 on an ephemeral port, writes the port to PATH (via PATH.tmp and
rename, only once listening), runs until SIGTERM/SIGINT, then removes PATH and
exits 0. Each --tls adds an HTTPS listener (its own ephemeral port, the given
certificate chain and key) that serves the same account; GET
/_emulator/listeners gives their ports and TLS handshake counters. See
README.md for the fixture format, admin API and fault rules.
"""

import argparse
import http
import json
import os
import signal
import sys
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import emu_api  # noqa: E402
import emu_faults  # noqa: E402
import emu_model  # noqa: E402
import specschema  # noqa: E402

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402


class Connection:
    """One accepted TCP connection. Its id is assigned at its first API request
    in the current log epoch, so ids in a fresh log always start at 1."""

    def __init__(self):
        self.epoch = None
        self.id = None
        self.api = False


class Listener:
    """One listening socket: plain HTTP (tls is None) or HTTPS with its own
    certificate. Its counters restart with each log epoch, like connection ids."""

    def __init__(self, name, tls=None):
        self.name = name
        self.tls = tls
        self.port = None
        self.clear()

    def clear(self):
        self.connections = 0   # TCP connections accepted
        self.handshakes = 0    # TLS handshakes completed, resumed ones included
        self.resumed = 0       # ... of which resumed a TLS session
        self.failed = 0        # TLS handshakes that failed (the client's alert, say),
                               # or that the client left without a request
        self.last_failure = None

    def describe(self):
        return {"name": self.name, "scheme": "https" if self.tls else "http", "port": self.port,
                "connections": self.connections, "handshakes": self.handshakes,
                "resumed": self.resumed, "failed": self.failed, "last_failure": self.last_failure}


class AdminError(Exception):
    """Bad admin request: answered 400 (or the given status) with {"error": ...}."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


class Emulator:
    """Shared server state: account model, faults, log, counters. One lock guards
    everything; only sleeps (latency, drip, hang) happen outside it."""

    def __init__(self, fixture, spec, quiet=False):
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.spec = spec
        self.quiet = quiet
        self.startup_fixture = fixture
        self.epoch = 0
        self.listeners = []
        self.reset(None)

    # ------------------------------------------------------------ state
    def reset(self, fixture):
        """Reset state, faults, log, request seq, connection counter and clock offset."""
        state = emu_model.load_fixture(self.startup_fixture if fixture is None else fixture)
        with self.lock:
            self.state = state
            self.api = emu_api.Api(state, self.spec)
            self.faults = emu_faults.Faults()
            self.open_gates()
            self.seq = 0
            self.tick = 0
            self.clock_offset = 0.0
            self.clear_log()

    def clear_log(self):
        """Empty the log and start a new connection epoch (ids and count restart)."""
        with self.lock:
            self.log = []
            self.in_flight = 0      # API requests being answered now
            self.max_in_flight = 0  # the most at once since the last clear-log
            self.epoch += 1
            self.conn_seq = 0
            self.conns = []
            for listener in self.listeners:
                listener.clear()

    def connection_opened(self):
        with self.lock:
            c = Connection()
            self.conns.append(c)
            return c

    def blackhole_port(self):
        """A loopback port whose TCP handshake never completes.

        The listener has a backlog of 0 and its accept queue is filled by
        connections that are never accepted, so the kernel drops further
        SYNs: a client's connect hangs until its own connect timeout.  Made
        once, kept for the emulator's lifetime.
        """
        with self.lock:
            if getattr(self, "_blackhole", None) is None:
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.bind(("127.0.0.1", 0))
                listener.listen(0)
                port = listener.getsockname()[1]
                fillers = []
                for _ in range(3):
                    filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    filler.setblocking(False)
                    try:
                        filler.connect(("127.0.0.1", port))
                    except BlockingIOError:
                        pass
                    fillers.append(filler)
                time.sleep(0.1)
                self._blackhole = (listener, fillers, port)
            return self._blackhole[2]

    def now(self):
        """Real time plus the admin-set offset (used for JWT checks only)."""
        return time.time() + self.clock_offset

    def next_tick(self):
        """The next value of the logical clock that orders arrivals, answers and marks."""
        with self.lock:
            self.tick += 1
            return self.tick

    def open_gates(self):
        """Let every request held at a gate go, and forget the gates."""
        with self.lock:
            for gate in getattr(self, "gates", {}).values():
                gate.set()
            self.gates = {}

    def gate(self, name):
        """The event that opens gate NAME (made closed on first use)."""
        with self.lock:
            return self.gates.setdefault(name, threading.Event())

    def begin(self, conn, method, path, query, body):
        """Register an API request: seq, request id, connection id, log entry, fault."""
        with self.lock:
            self.seq += 1
            if conn.epoch != self.epoch:
                self.conn_seq += 1
                conn.epoch, conn.id = self.epoch, self.conn_seq
            conn.api = True
            entry = {
                "seq": self.seq, "conn": conn.id, "method": method, "path": path, "query": query,
                "body": None if body is None or body == b"" else body.decode("utf-8", "replace"),
                "status": None, "token_type": None, "token_sha256": None, "spec_violations": [], "unknown_params": [],
                "auth_error": None, "operation": None, "fault": None, "emulator_error": None,
                "request_id": emu_api.REQUEST_ID % self.seq,
                "arrived": self.next_tick(), "answered": None,
                "arrived_at": time.time(), "answered_at": None, "sending_at": None,
            }
            self.log.append(entry)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            entry["in_flight"] = self.in_flight
            rule = self.faults.pick(method, path, query, time.monotonic() + self.clock_offset)
            if rule is not None:
                entry["fault"] = rule.action
            return entry, rule

    # ------------------------------------------------------------ admin API
    def admin(self, method, path, body):
        """Handle /_emulator/...; returns (status, JSON-able body)."""
        def payload():
            if not body:
                raise AdminError("a JSON body is required")
            try:
                return json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise AdminError("body is not valid JSON: %s" % e)

        routes = {
            "/_emulator/reset": ("POST",),
            "/_emulator/faults": ("GET", "POST", "DELETE"),
            "/_emulator/log": ("GET", "DELETE"),
            "/_emulator/connections": ("GET",),
            "/_emulator/concurrency": ("GET",),
            "/_emulator/listeners": ("GET",),
            "/_emulator/clock-offset": ("POST",),
            "/_emulator/users": ("POST",),
            "/_emulator/tokens": ("POST",),
            "/_emulator/health": ("GET",),
            "/_emulator/blackhole": ("POST",),
            "/_emulator/mark": ("POST",),
            "/_emulator/gates": ("POST",),
        }
        if path not in routes:
            raise AdminError("unknown admin endpoint %s" % path, 404)
        if method not in routes[path]:
            raise AdminError("method %s not allowed for %s" % (method, path), 405)
        done = {"status": "ok"}
        if path == "/_emulator/reset":
            try:
                self.reset(payload() if body else None)
            except emu_model.FixtureError as e:
                raise AdminError("bad fixture: %s" % e)
            return 200, done
        if path == "/_emulator/health":
            return 200, done
        if path == "/_emulator/blackhole":
            return 200, {"port": self.blackhole_port()}
        if path == "/_emulator/mark":
            return 200, {"tick": self.next_tick()}
        with self.lock:
            if path == "/_emulator/faults":
                if method == "GET":
                    return 200, [dict(r.spec, matched=r.matched) for r in self.faults.rules]
                if method == "DELETE":
                    self.faults.clear()
                    self.open_gates()
                    return 200, done
                try:
                    self.faults.add(payload(), self.api.check_rule)
                except emu_faults.FaultError as e:
                    raise AdminError("bad fault rule: %s" % e)
                return 200, done
            if path == "/_emulator/log":
                if method == "GET":
                    return 200, [dict(e) for e in self.log]
                self.clear_log()
                return 200, done
            if path == "/_emulator/connections":
                return 200, {"count": sum(1 for c in self.conns if c.api)}
            if path == "/_emulator/concurrency":
                return 200, {"max_in_flight": self.max_in_flight}
            if path == "/_emulator/listeners":
                return 200, [listener.describe() for listener in self.listeners]
            data = payload()
            if not isinstance(data, dict):
                raise AdminError("body must be a JSON object")
            if path == "/_emulator/gates":
                name = data.get("name")
                if not isinstance(name, str) or not name:
                    raise AdminError("'name' must be a non-empty string")
                self.gate(name).set()
                return 200, done
            if path == "/_emulator/clock-offset":
                secs = data.get("seconds")
                if isinstance(secs, bool) or not isinstance(secs, (int, float)):
                    raise AdminError("'seconds' must be a number")
                self.clock_offset = float(secs)
                return 200, done
            if path == "/_emulator/users":
                name, pem, role = data.get("name"), data.get("public_key_pem"), data.get("role")
                if not isinstance(name, str) or not name:
                    raise AdminError("'name' must be a non-empty string")
                if pem is not None:
                    try:
                        key = serialization.load_pem_public_key(pem.encode("ascii"))
                    except (ValueError, TypeError, AttributeError, UnicodeEncodeError) as e:
                        raise AdminError("'public_key_pem' is not a PEM public key: %s" % e)
                    if not isinstance(key, rsa.RSAPublicKey):
                        raise AdminError("'public_key_pem' is not an RSA key")
                self.state.add_user(name, pem, role if isinstance(role, str) else None)
                return 200, done
            # /_emulator/tokens
            tok, typ, user = data.get("token"), data.get("type"), data.get("user")
            if not all(isinstance(v, str) and v for v in (tok, typ, user)):
                raise AdminError("'token', 'type' and 'user' must be non-empty strings")
            if typ not in ("PROGRAMMATIC_ACCESS_TOKEN", "OAUTH"):
                raise AdminError("'type' must be PROGRAMMATIC_ACCESS_TOKEN or OAUTH")
            self.state.add_token(tok, typ, user, data.get("role"))
            return 200, done


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler: /_emulator/* admin, everything else API."""

    protocol_version = "HTTP/1.1"
    server_version = "snowemu/1.0"
    # headers and body leave in one write, but TLS records and admin answers
    # may not: never let a keep-alive answer wait for the client's delayed ACK
    disable_nagle_algorithm = True

    requests_read = 0          # request lines read on this connection

    def setup(self):
        super().setup()
        self.emu = self.server.emu
        self.conn = self.emu.connection_opened()

    def log_message(self, fmt, *args):  # default logs every request to stderr
        if not self.emu.quiet:
            sys.stderr.write("snowemu: " + (fmt % args) + "\n")

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    # ------------------------------------------------------------ I/O helpers
    def _read_body(self):
        """Request body bytes (Content-Length or chunked); None when there is none."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return None
        n = int(cl)
        if n < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(n)

    def _write(self, status, headers, body, mode=None, params=None):
        """Send one response; ``mode`` is a transport fault (truncate/drop/drip).

        Returns how many bytes of the body were handed to the socket."""
        params = params or {}
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Status"
        length = len(body) + (params.get("extra", 100) if mode == "truncate" else 0)
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: application/json",
                 "Content-Length: %d" % length]
        lines += ["%s: %s" % kv for kv in headers]
        if self.close_connection and mode is None:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        sent = 0
        try:
            if mode == "drop":
                self.wfile.write(head + body[:len(body) // 2])
                sent = len(body) // 2
                self.close_connection = True
            elif mode == "truncate":
                self.wfile.write(head + body)
                sent = len(body)
                self.close_connection = True
            elif mode == "drip":
                self.wfile.write(head)
                step = params.get("bytes", 1)
                for i in range(0, len(body), step):
                    if self.emu.stop.wait(params.get("interval_ms", 500) / 1000.0):
                        self.close_connection = True
                        return sent
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    sent += len(body[i:i + step])
            else:
                self.wfile.write(head + body)
                sent = len(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        return sent

    # ------------------------------------------------------------ dispatch
    def _dispatch(self):
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except ValueError as e:
            self.close_connection = True
            self._write(400, [], json.dumps({"error": "bad request body framing: %s" % e}).encode())
            return
        if path.startswith("/_emulator/"):
            try:
                status, out = self.emu.admin(self.command, path, body)
            except AdminError as e:
                status, out = e.status, {"error": str(e)}
            self._write(status, [], json.dumps(out, ensure_ascii=False).encode("utf-8"))
            return
        self._api(path, query, body)

    def _api(self, path, query, body):
        entry = self.emu.begin(self.conn, self.command, path, query, body)
        try:
            self._answer(path, query, body, *entry)
        finally:
            with self.emu.lock:
                self.emu.in_flight = max(0, self.emu.in_flight - 1)

    def _answer(self, path, query, body, entry, rule):
        emu = self.emu
        action = rule.action if rule else None
        p = rule.params if rule else {}
        rid = entry["request_id"]
        if action == "hang":
            entry["status"] = 0  # nothing is ever sent
            emu.stop.wait(p["seconds"])
            # (the tick and time it gave up: a client that waited this long
            # returned after them)
            entry["answered"], entry["answered_at"] = emu.next_tick(), time.time()
            self.close_connection = True
            return
        if action == "latency" or (action in ("status", "location", "pad", "rate_limit") and p["ms"]):
            emu.stop.wait(p["ms"] / 1000.0)
        if action == "gate":
            emu.gate(p["name"]).wait(p["seconds"])
        raw = None
        if action in ("status", "rate_limit"):
            hdrs = {"Retry-After": p["retry_after"]} if p.get("retry_after") is not None else {}
            status = p["status"] if action == "status" else 429
            try:
                phrase = http.HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            res = emu_api.Result.from_error(emu_api.ApiError(
                status, p.get("code") or "%06d" % status, p.get("message") or "%s (injected fault)." % phrase, hdrs))
        elif action == "malformed" or (action == "drip" and p.get("body") is not None):
            res, raw = emu_api.Result(200), p["body"].encode("utf-8")
        else:
            with emu.lock:
                if action == "location":
                    res = emu_api.accepted(emu.api.new_handle())
                    res.headers["Location"] = p["value"]
                else:
                    if action == "vanish":
                        emu.api.vanish(path)
                    res = emu.api.execute(self.command, path, query, self.headers, body, entry, emu.now())
                    res = self._transform(res, action, p)
                    if action in ("then_alter", "then_drop"):
                        # answered as before; every later request sees the change
                        emu.api.then_change(action, p, path)
        if raw is None:
            out = res.body
            if res.error and isinstance(out, dict):
                out = dict(out, request_id=rid)
            raw = json.dumps(out, ensure_ascii=False).encode("utf-8")
            if action == "pad":
                raw += b" " * p["bytes"]  # whitespace after a JSON value is still JSON
        headers = [("X-Snowflake-Request-ID", rid)] + list(res.headers.items())
        entry["status"] = res.status
        mode = action if action in ("truncate", "drop", "drip") else None
        entry["bytes_total"] = len(raw)
        # before the write: a client may read the answer before answered_at
        entry["sending_at"] = time.time()
        entry["bytes_sent"] = self._write(res.status, headers, raw, mode, p)
        entry["answered"], entry["answered_at"] = emu.next_tick(), time.time()
        if not emu.quiet:
            sys.stderr.write("snowemu: #%d conn %s %s %s -> %d%s\n" % (
                entry["seq"], entry["conn"], self.command, path, res.status, " [%s]" % action if action else ""))

    def _transform(self, res, action, p):
        """Apply the body-level faults to a computed result (called under the lock)."""
        api = self.emu.api
        if action == "async":
            h = api.new_handle()
            api.results[h] = {"kind": "async", "remaining": p["polls"], "result": res}
            return emu_api.accepted(h)
        if action in ("large", "link_pages") and res.status == 200 and isinstance(res.body, list):
            pages = emu_faults.paginate(res.body, p["page_size"])
            h = api.new_handle()
            api.results[h] = {"kind": "pages", "pages": pages}
            last = len(pages) - 1
            if action == "large":
                return emu_api.Result(200, {"result_handler": h, "message": emu_faults.LARGE_MESSAGE},
                                      {"Link": emu_faults.link_header(h, 0, last, include_first_last_only=True)})
            return emu_api.Result(200, pages[0], {"Link": emu_faults.link_header(h, 0, last)})
        if action == "wrong_types":
            res.body = emu_faults.break_types(res.body)
        elif action == "link":
            res.headers["Link"] = p["value"]
        elif action == "header":
            res.headers[p["name"]] = p["value"]
        return res

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            self.close_connection = True
        if getattr(self, "raw_requestline", b""):
            self.requests_read += 1


class Server(ThreadingHTTPServer):
    """Threaded server carrying the Emulator instance and its Listener.

    For an HTTPS listener the TLS handshake runs in the connection's own
    thread (finish_request), so a slow or failing client never holds up
    accept(); each handshake is counted on the listener."""

    daemon_threads = True
    # the default listen backlog of 5 drops SYNs when a client opens more
    # connections at once (fan-out), which costs a 1 s SYN retransmit
    request_queue_size = 128
    allow_reuse_address = True
    handshake_timeout = 10.0

    def __init__(self, emu, listener):
        self.emu = emu
        self.listener = listener
        super().__init__(("127.0.0.1", 0), Handler)
        listener.port = self.server_address[1]
        with emu.lock:
            emu.listeners.append(listener)

    def finish_request(self, request, client_address):
        listener = self.listener
        with self.emu.lock:
            listener.connections += 1
        if listener.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(self.handshake_timeout)
        try:
            # on failure wrap_socket closes the socket it took over
            conn = listener.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.emu.lock:
                listener.failed += 1
                listener.last_failure = str(getattr(e, "reason", None) or e)
            return
        conn.settimeout(None)
        with self.emu.lock:
            listener.handshakes += 1
            listener.resumed += 1 if conn.session_reused else 0
        try:
            handler = self.RequestHandlerClass(conn, client_address, self)
            if handler.requests_read == 0:
                # a client that checks the certificate after the handshake
                # (libcurl 8.10 and later) refuses it by closing at once: a
                # failed handshake, as when it refuses it during the handshake
                with self.emu.lock:
                    listener.handshakes -= 1
                    listener.resumed -= 1 if conn.session_reused else 0
                    listener.failed += 1
        finally:
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            conn.close()


def tls_context(cert, key):
    """Server-side TLS context with a certificate chain (PEM) and its key."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def main(argv=None):
    ap = argparse.ArgumentParser(description="Snowflake REST API v2 emulator")
    ap.add_argument("--port-file", required=True, help="write the listening port here")
    ap.add_argument("--fixture", help="startup fixture JSON (default: empty account)")
    ap.add_argument("--quiet", action="store_true", help="no per-request log on stderr")
    ap.add_argument("--tls", nargs=3, action="append", default=[], metavar=("NAME", "CERT", "KEY"),
                    help="also listen with HTTPS under NAME, with this PEM certificate chain and key")
    args = ap.parse_args(argv)
    fixture = {}
    if args.fixture:
        with open(args.fixture, encoding="utf-8") as fh:
            fixture = json.load(fh)
    try:
        spec = specschema.Spec()
        emu = Emulator(fixture, spec, args.quiet)
        contexts = [(name, tls_context(cert, key)) for name, cert, key in args.tls]
    except (specschema.SpecError, emu_model.FixtureError, ssl.SSLError, OSError) as e:
        sys.stderr.write("snowemu: %s\n" % e)
        return 2
    if len({name for name, _ in contexts} | {"http"}) != len(contexts) + 1:
        sys.stderr.write("snowemu: --tls names must be distinct and not 'http'\n")
        return 2
    servers = [Server(emu, Listener("http"))]
    servers += [Server(emu, Listener(name, ctx)) for name, ctx in contexts]
    server = servers[0]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    for srv in servers:
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    port = server.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("%d\n" % port)
    os.replace(tmp, args.port_file)
    if not args.quiet:
        for srv in servers:
            sys.stderr.write("snowemu: listening on 127.0.0.1:%d (%s)\n" % (
                srv.listener.port, srv.listener.name))
    while not stop.wait(0.5):
        pass
    emu.stop.set()  # wake hanging / dripping handlers
    emu.open_gates()
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    try:
        os.unlink(args.port_file)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
