#!/usr/bin/env python3
"""dns: a DNS server over UDP whose answers depend on the name's first label.

  nx*        NXDOMAIN
  servfail*  SERVFAIL
  silent*    never answered (a resolver that does not answer)
  slow*      A 127.0.0.1 / AAAA ::1 after --delay seconds
  anything   A 127.0.0.1 / AAAA ::1 at once (after --delay-all seconds)

Other record types get an empty answer (NOERROR, no records). Delayed
answers are sent from a timer thread, so one slow name never holds up the
others. --port binds a fixed port (53 inside a test's own network
namespace: tools/with_dns_peer.sh); the default is port 0, announced.
"""

import socket
import struct
import threading

import peerlib

TYPE_A, TYPE_AAAA, CLASS_IN = 1, 28, 1
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3


def parse_question(data):
    """(id, flags, labels, qtype, end of the question) of a query."""
    ident, flags, qdcount = struct.unpack("!HHH", data[:6])
    if qdcount < 1:
        raise ValueError("no question")
    pos, labels = 12, []
    while data[pos]:
        length = data[pos]
        labels.append(data[pos + 1:pos + 1 + length].decode("ascii", "replace").lower())
        pos += 1 + length
    qtype, _ = struct.unpack("!HH", data[pos + 1:pos + 5])
    return ident, flags, labels, qtype, pos + 5


def response(data, rcode, records):
    ident, flags, _, _, end = parse_question(data)
    rd = flags & 0x0100
    header = struct.pack("!HHHHHH", ident, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, len(records), 0, 0)
    answers = b""
    for rtype, rdata in records:
        answers += struct.pack("!HHHIH", 0xC00C, rtype, CLASS_IN, 60, len(rdata)) + rdata
    return header + data[12:end] + answers


def answer_for(data):
    """(rcode, records) or None for a name that is never answered."""
    _, _, labels, qtype, _ = parse_question(data)
    first = labels[0] if labels else ""
    if first.startswith("silent"):
        return None
    if first.startswith("nx"):
        return NXDOMAIN, []
    if first.startswith("servfail"):
        return SERVFAIL, []
    if qtype == TYPE_A:
        return NOERROR, [(TYPE_A, socket.inet_pton(socket.AF_INET, "127.0.0.1"))]
    if qtype == TYPE_AAAA:
        return NOERROR, [(TYPE_AAAA, socket.inet_pton(socket.AF_INET6, "::1"))]
    return NOERROR, []


def main():
    p = peerlib.parser(__doc__)
    p.add_argument("--port", type=int, default=0, help="port to bind (default 0: any, announced)")
    p.add_argument("--delay", type=float, default=0.2, help="seconds before a slow* name is answered")
    p.add_argument("--delay-all", type=float, default=0.0, help="seconds before any other name is answered")
    args = p.parse_args()
    life = peerlib.Lifetime(args.lifetime, args.idle)
    family, host = peerlib.family_and_host(args)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host, args.port))
    peerlib.announce(sock)
    life.start()
    while True:
        data, addr = sock.recvfrom(65535)
        life.touched()
        try:
            found = answer_for(data)
            if found is None:
                continue
            _, _, labels, _, _ = parse_question(data)
            delay = args.delay if labels and labels[0].startswith("slow") else args.delay_all
            reply = response(data, *found)
        except (ValueError, IndexError, struct.error):
            continue  # not a query we understand: no answer, as a server would
        if delay > 0:
            threading.Timer(delay, sock.sendto, (reply, addr)).start()
        else:
            sock.sendto(reply, addr)


if __name__ == "__main__":
    main()
