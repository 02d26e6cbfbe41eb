#!/usr/bin/env python3
"""lines: on accept sends a stream of delimited lines, optionally in pieces."""

import time

import peerlib


def main():
    p = peerlib.parser(__doc__)
    p.add_argument("--delim", default="\\n",
                   help='the delimiter after each line (escapes decoded; default "\\n")')
    p.add_argument("--line", action="append", default=[],
                   help='a line\'s content (escapes decoded, "@N" = N filler bytes); '
                        "repeat for more lines, in order")
    p.add_argument("--tail", default="",
                   help="bytes sent after the last delimiter (no delimiter follows)")
    p.add_argument("--repeat", type=int, default=1, help="send the lines this many times")
    p.add_argument("--split", action="store_true",
                   help="send each line's content with one sendall(), then each "
                        "delimiter byte with its own send(), DELAY seconds apart")
    p.add_argument("--delay", type=float, default=0.02,
                   help="seconds before each separate send in --split mode (default 0.02)")
    p.add_argument("--after", choices=("fin", "hold"), default="fin",
                   help="after the stream: fin = shut down writing, hold = keep open")
    args = p.parse_args()
    delim = peerlib.decode_bytes(args.delim)
    lines = [peerlib.decode_bytes(text) for text in args.line] * args.repeat
    tail = peerlib.decode_bytes(args.tail)

    def send_split(conn):
        for content in lines:
            if content:
                conn.sendall(content)
            for i in range(len(delim)):
                time.sleep(args.delay)
                conn.sendall(delim[i:i + 1])
        if tail:
            time.sleep(args.delay)
            conn.sendall(tail)

    def handle(conn):
        if args.split:
            send_split(conn)
        else:
            conn.sendall(b"".join(content + delim for content in lines) + tail)
        peerlib.finish(conn, args.after)

    peerlib.serve_tcp(args, handle)


if __name__ == "__main__":
    main()
