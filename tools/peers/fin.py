#!/usr/bin/env python3
"""fin: on accept sends a payload, then ends its side of the stream (FIN)."""

import socket
import time

import peerlib


def main():
    p = peerlib.parser(__doc__)
    p.add_argument("--payload", default="", help='bytes to send ("@N" = N filler bytes)')
    p.add_argument("--delay", type=float, default=0.0,
                   help="seconds between accept and sending the payload (default 0)")
    p.add_argument("--mode", choices=("shutdown", "close"), default="shutdown",
                   help="shutdown = shutdown(SHUT_WR) then drain until the client "
                        "closes; close = close() at once")
    args = p.parse_args()
    payload = peerlib.decode_bytes(args.payload)

    def handle(conn):
        time.sleep(args.delay)
        if payload:
            conn.sendall(payload)
        if args.mode == "shutdown":
            conn.shutdown(socket.SHUT_WR)
            peerlib.drain(conn)
        # mode "close": serve_tcp closes the socket as soon as we return.

    peerlib.serve_tcp(args, handle)


if __name__ == "__main__":
    main()
