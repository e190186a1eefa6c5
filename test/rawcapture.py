#!/usr/bin/python3
"""Record the raw bytes of HTTP request heads, for header-injection tests.

    rawcapture.py start   -> prints "PORT DIR", leaves a server in the background
    rawcapture.py show DIR -> prints "REQUEST LINE TEXT" (tab-separated) for
                              each recorded line, stops the server, removes DIR

The server binds 127.0.0.1 on port 0, answers every request with 200 and an
empty JSON array, and keeps each request head byte for byte in DIR/req-N.raw.
It exits after LIFETIME seconds or MAX_REQUESTS requests, whichever comes
first, so a test that dies midway leaves nothing running for long.

show splits a head at every LF, so a CR or LF smuggled into a header value
shows up as a line of its own; remaining control bytes are printed escaped.
The credential of an Authorization line and the port of the Host line are
replaced, so the output is stable and holds no secret.  Stdlib only.
"""
import os
import shutil
import signal
import socket
import sys
import tempfile
import time

LIFETIME = 30.0
MAX_REQUESTS = 20
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\nConnection: close\r\n\r\n[]")


def read_head(conn):
    """Bytes up to and including the blank line ending the head."""
    data = b""
    conn.settimeout(5.0)
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def serve(listener, outdir):
    deadline = time.monotonic() + LIFETIME
    for n in range(1, MAX_REQUESTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        listener.settimeout(remaining)
        try:
            conn, _ = listener.accept()
        except (socket.timeout, OSError):
            return
        with conn:
            try:
                head = read_head(conn)
                with open(os.path.join(outdir, "req-%03d.raw" % n), "wb") as f:
                    f.write(head)
                conn.sendall(RESPONSE)
            except OSError:
                pass


def start():
    outdir = tempfile.mkdtemp(prefix="snowfdw-rawcapture-")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        # child: detach from the caller's pipe (COPY waits for its EOF)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        try:
            serve(listener, outdir)
        finally:
            os._exit(0)
    with open(os.path.join(outdir, "pid"), "w") as f:
        f.write(str(pid))
    print("%d %s" % (port, outdir), flush=True)


def printable(line):
    out = []
    for b in line:
        out.append(chr(b) if 0x20 <= b < 0x7f else "\\x%02x" % b)
    return "".join(out)


def show(outdir):
    if not os.path.basename(outdir).startswith("snowfdw-rawcapture-"):
        sys.exit("not a capture directory: %s" % outdir)
    try:
        with open(os.path.join(outdir, "pid")) as f:
            os.kill(int(f.read()), signal.SIGTERM)
    except (OSError, ValueError):
        pass
    names = sorted(n for n in os.listdir(outdir) if n.endswith(".raw"))
    for i, name in enumerate(names, 1):
        with open(os.path.join(outdir, name), "rb") as f:
            head = f.read()
        for j, line in enumerate(head.split(b"\n"), 1):
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                continue
            lower = line.lower()
            if lower.startswith(b"authorization:"):
                line = b" ".join(line.split(b" ", 2)[:2]) + b" <redacted>"
            elif lower.startswith(b"host:"):
                line = line.rsplit(b":", 1)[0] + b":<port>"
            print("%d\t%d\t%s" % (i, j, printable(line)))
    shutil.rmtree(outdir, ignore_errors=True)


def main():
    if sys.argv[1:2] == ["start"]:
        start()
    elif sys.argv[1:2] == ["show"] and len(sys.argv) == 3:
        show(sys.argv[2])
    else:
        sys.exit("usage: rawcapture.py start | show DIR")


if __name__ == "__main__":
    main()
