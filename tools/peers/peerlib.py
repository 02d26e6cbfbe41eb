"""Shared plumbing of the mock peers: arguments, payloads, listening, lifetime.

Every peer binds 127.0.0.1 (or ::1 with --ipv6) port 0, prints one line
"PORT PID" to stdout, and exits by itself: after --lifetime seconds in all,
or after --idle seconds without an open connection (UDP: without a datagram).
Only the standard library is used, so the peers run wherever python3 does.
See README.md in this folder for the exact behaviour of each peer.
"""

import argparse
import os
import socket
import sys
import threading
import time

FILLER_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def filler(n):
    """n bytes of the alphabet A..Z repeated: a payload anyone can recompute."""
    reps = n // len(FILLER_ALPHABET) + 1
    return (FILLER_ALPHABET * reps)[:n]


def decode_bytes(text):
    """A payload argument as bytes.

    "@N" (N decimal digits) is N filler bytes; anything else is taken
    literally after decoding backslash escapes (\\n, \\r, \\t, \\\\, \\xHH), so
    "\\r\\n" and binary bytes can be passed through a shell. A literal payload
    that starts with "@" is written "\\x40...".
    """
    if len(text) > 1 and text[0] == "@" and text[1:].isdigit():
        return filler(int(text[1:]))
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def parser(description):
    """An argument parser with the options every peer shares.

    Values that begin with "-" must be given as --option=VALUE.
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--ipv6", action="store_true", help="bind ::1 instead of 127.0.0.1")
    p.add_argument("--lifetime", type=float, default=60.0,
                   help="exit after this many seconds in all (default 60)")
    p.add_argument("--idle", type=float, default=20.0,
                   help="exit after this many seconds with no open connection (default 20)")
    return p


class Lifetime:
    """Ends the process when it has lived too long or sat idle too long.

    A test that forgets its peer, or dies before stopping it, must not leave a
    server running: the watchdog calls os._exit, which needs no cooperation
    from the threads that may be blocked in socket calls.
    """

    def __init__(self, total, idle):
        self.total = total
        self.idle = idle
        self.started = time.monotonic()
        self.last_change = self.started
        self.open = 0
        self.lock = threading.Lock()

    def start(self):
        threading.Thread(target=self._watch, daemon=True).start()

    def opened(self):
        with self.lock:
            self.open += 1
            self.last_change = time.monotonic()

    def closed(self):
        with self.lock:
            self.open -= 1
            self.last_change = time.monotonic()

    def touched(self):
        with self.lock:
            self.last_change = time.monotonic()

    def _watch(self):
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            with self.lock:
                idle_for = now - self.last_change if self.open == 0 else 0.0
            if now - self.started >= self.total or idle_for >= self.idle:
                os._exit(0)


def family_and_host(args):
    if args.ipv6:
        return socket.AF_INET6, "::1"
    return socket.AF_INET, "127.0.0.1"


def announce(sock):
    """Prints the one line "PORT PID" the test harness waits for."""
    port = sock.getsockname()[1]
    sys.stdout.write("%d %d\n" % (port, os.getpid()))
    sys.stdout.flush()


def drain(conn):
    """Reads and discards until the client's end of stream (or an error)."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def finish(conn, after):
    """Ends a connection the way --after says, never with a reset.

    "fin": shut down the write side (the client reads end of stream), then
    drain until the client closes. "hold": send nothing more and drain until
    the client closes. Either way the socket is closed only after the client's
    FIN, so no unread data can turn the close into a reset.
    """
    if after == "fin":
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    drain(conn)


def serve_tcp(args, handler, backlog=128, accept=True):
    """Listens, announces, and runs handler(conn) in a thread per connection.

    With accept=False the listener never accepts: connections pile up in the
    backlog and, once it is full, further connects get no answer.
    """
    life = Lifetime(args.lifetime, args.idle)
    family, host = family_and_host(args)
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 0))
    srv.listen(backlog)
    announce(srv)
    life.start()
    if not accept:
        while True:
            time.sleep(3600)

    def run(conn):
        try:
            handler(conn)
        except OSError:
            pass  # the client went away: expected in tests of failures
        finally:
            try:
                conn.close()
            except OSError:
                pass
            life.closed()

    while True:
        conn, _ = srv.accept()
        life.opened()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


def serve_udp(args, handler):
    """Binds a datagram socket, announces, and runs handler(sock, data, addr)
    for each datagram, in order, on one thread."""
    life = Lifetime(args.lifetime, args.idle)
    family, host = family_and_host(args)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    announce(sock)
    life.start()
    while True:
        data, addr = sock.recvfrom(65535)
        life.touched()
        try:
            handler(sock, data, addr)
        except OSError:
            pass
