#!/usr/bin/env python3
"""rst: on accept (optionally sends, reads, waits, then) resets the connection."""

import socket
import struct
import time

import peerlib


def main():
    p = peerlib.parser(__doc__)
    p.add_argument("--payload", default="", help='bytes to send before the reset')
    p.add_argument("--read", type=int, default=0,
                   help="bytes to read from the client before the reset (default 0)")
    p.add_argument("--delay", type=float, default=0.0,
                   help="seconds to wait just before the reset (default 0)")
    args = p.parse_args()
    payload = peerlib.decode_bytes(args.payload)

    def handle(conn):
        if payload:
            conn.sendall(payload)
        wanted = args.read
        while wanted > 0:
            data = conn.recv(wanted)
            if not data:
                break
            wanted -= len(data)
        time.sleep(args.delay)
        # SO_LINGER on with a zero timeout: close() sends RST, not FIN.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    peerlib.serve_tcp(args, handle)


if __name__ == "__main__":
    main()
