#!/usr/bin/env python3
"""Starts and stops the mock peers of tools/peers for specs that cannot.

A Lua under wine64 cannot start a Linux process (its io.popen runs
cmd.exe), so the loopback backend of spec/support asks this broker, over
loopback TCP, to do it. One request per connection, one line each way:

    start NAME ARG...   ->  "PORT PID" (the peer's own first line), or "error ..."
    stop PID            ->  "ok" once that peer has been stopped and reaped

Arguments are separated by tabs (they may hold spaces). Only peers this
broker started can be stopped, by PID. It prints its own port on stdout,
then serves until --lifetime seconds pass (default 900) or it is killed;
every peer still running then is stopped.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "..", "peers")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifetime", type=float, default=900)
    options = parser.parse_args()
    children = {}
    lock = threading.Lock()

    def stop_all():
        with lock:
            for child in children.values():
                child.kill()
                child.wait()
            children.clear()

    def serve(conn):
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            words = data.decode().rstrip("\n").split("\t")
            if words[0] == "start" and len(words) >= 2 and words[1].isidentifier():
                script = os.path.join(PEERS, words[1] + ".py")
                if not os.path.isfile(script):
                    conn.sendall(b"error no such peer\n")
                    return
                child = subprocess.Popen([sys.executable, script] + words[2:], stdout=subprocess.PIPE)
                line = child.stdout.readline().decode().strip()
                with lock:
                    children[child.pid] = child
                conn.sendall((line or "error peer did not start") .encode() + b"\n")
            elif words[0] == "stop" and len(words) == 2 and words[1].isdigit():
                with lock:
                    child = children.pop(int(words[1]), None)
                if child:
                    child.terminate()
                    child.wait()
                conn.sendall(b"ok\n")
            else:
                conn.sendall(b"error bad request\n")

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), os._exit(0)))
    timer = threading.Timer(options.lifetime, lambda: (stop_all(), os._exit(0)))
    timer.daemon = True
    timer.start()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
