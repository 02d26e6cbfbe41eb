#!/usr/bin/env python3
"""echo: sends back every byte it receives, to any number of clients at once."""

import peerlib


def handle(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
    # The client's FIN arrived and everything is echoed: close with a FIN.


def main():
    args = peerlib.parser(__doc__).parse_args()
    peerlib.serve_tcp(args, handle)


if __name__ == "__main__":
    main()
