#!/usr/bin/env python3
"""drip: sends a payload slowly, CHUNK bytes at a time, DELAY seconds apart."""

import time

import peerlib


def main():
    p = peerlib.parser(__doc__)
    p.add_argument("--payload", default="@10",
                   help='bytes to send ("@N" = N filler bytes; default @10)')
    p.add_argument("--chunk", type=int, default=1, help="bytes per send() (default 1)")
    p.add_argument("--delay", type=float, default=0.1,
                   help="seconds between two sends (default 0.1)")
    p.add_argument("--initial-delay", type=float, default=0.0,
                   help="seconds between accept and the first send (default 0)")
    p.add_argument("--after", choices=("fin", "hold"), default="fin",
                   help="after the payload: fin = shut down writing, hold = keep open")
    args = p.parse_args()
    payload = peerlib.decode_bytes(args.payload)
    chunk = max(1, args.chunk)

    def handle(conn):
        time.sleep(args.initial_delay)
        for offset in range(0, len(payload), chunk):
            if offset > 0:
                time.sleep(args.delay)
            conn.sendall(payload[offset:offset + chunk])
        peerlib.finish(conn, args.after)

    peerlib.serve_tcp(args, handle)


if __name__ == "__main__":
    main()
