#!/usr/bin/env python3
"""udp_echo: sends each datagram back to the address it came from."""

import peerlib


def handle(sock, data, addr):
    sock.sendto(data, addr)


def main():
    args = peerlib.parser(__doc__).parse_args()
    peerlib.serve_udp(args, handle)


if __name__ == "__main__":
    main()
