#!/usr/bin/env python3
"""silent: accepts and then does nothing: reads nothing, sends nothing."""

import time

import peerlib


def main():
    p = peerlib.parser(__doc__)
    p.add_argument("--backlog", type=int, default=128, help="listen() backlog (default 128)")
    p.add_argument("--no-accept", action="store_true",
                   help="never accept: connections wait in the backlog; once it "
                        "is full, new connects get no answer")
    args = p.parse_args()

    def handle(conn):
        # Holds the connection, unread, until the process exits. The idle
        # timer never runs while a connection is held: --lifetime ends it.
        while True:
            time.sleep(3600)

    peerlib.serve_tcp(args, handle, backlog=args.backlog, accept=not args.no_accept)


if __name__ == "__main__":
    main()
