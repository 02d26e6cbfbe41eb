"""The servers under test: who they are, how to start them, which rows
they take part in.

Ours and the peers both answer to require "socket", so each server runs in
its own Lua process (lua5.2, or BENCH_LUA) with a module path that finds the
right one: ours with the bench build folder first, the peers with the
system default."""

import os
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
SCRIPTS = os.path.join(BENCH, "servers")

ONE_CONNECTION = ("bulk", "pingpong", "lines")
EVERY_ECHO_ROW = ("bulk", "pingpong", "echo", "idle")


@dataclass
class Server:
    key: str
    label: str
    family: str        # "limit", "ours" or "peer"
    script: str        # a Lua file in servers/, or "" for a C++ server
    rows: tuple        # row kinds this server is written for
    needs: str         # a Lua module that must load, checked before the run
    binary: str = ""   # a C++ server's executable in the tools build
    env: tuple = ()    # (name, value) pairs set for this server only

    def takes(self, kind):
        return kind in self.rows


CATALOG = [
    Server("c", "C++ epoll (limit)", "limit", "", EVERY_ECHO_ROW + ("lines",), "", "lsock_c_echo"),
    # The limit a completion backend is measured against; "vs C" ratios stay
    # against the epoll one. Built only where liburing is (tools/bench/CMakeLists.txt).
    Server("c_uring", "C++ io_uring (limit)", "limit", "", EVERY_ECHO_ROW + ("lines",), "", "lsock_c_uring_echo"),
    # The sock rows once on each Linux poller, forced (docs/sock.md, "The
    # poller"); without io_uring in the build or the kernel its rows fail to
    # start and say so.
    Server("ours_sock", "ours: sock (epoll)", "ours", "ours_sock.lua", EVERY_ECHO_ROW, "sock",
           env=(("LSOCK_POLLER", "epoll"),)),
    Server("ours_sock_uring", "ours: sock (io_uring)", "ours", "ours_sock.lua", EVERY_ECHO_ROW, "sock",
           env=(("LSOCK_POLLER", "io_uring"),)),
    # What a user writes from the docs: one shared buffer, tostring, send(string).
    Server("ours_natural", "ours: sock as the docs teach (epoll)", "ours", "ours_sock_natural.lua",
           EVERY_ECHO_ROW, "sock", env=(("LSOCK_POLLER", "epoll"),)),
    Server("ours_natural_uring", "ours: sock as the docs teach (io_uring)", "ours", "ours_sock_natural.lua",
           EVERY_ECHO_ROW, "sock", env=(("LSOCK_POLLER", "io_uring"),)),
    Server("ours_socket", "ours: socket, blocking", "ours", "ours_socket_blocking.lua", ONE_CONNECTION, "socket"),
    Server("ours_select", "ours: socket.select", "ours", "ours_socket_select.lua", EVERY_ECHO_ROW, "socket"),
    Server("luasocket", "LuaSocket, blocking", "peer", "luasocket_blocking.lua", ONE_CONNECTION, "socket"),
    Server("copas", "LuaSocket + copas", "peer", "luasocket_copas.lua", EVERY_ECHO_ROW, "copas"),
    Server("cqueues", "cqueues", "peer", "cqueues_coroutines.lua", EVERY_ECHO_ROW + ("lines",), "cqueues"),
    Server("luv", "luv", "peer", "luv_callbacks.lua", EVERY_ECHO_ROW, "luv"),
]


def lua_env(server, ours_dir):
    """The environment a server's Lua runs in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUA_") and k != "LSOCK_POLLER"}
    env.update(dict(server.env))
    if server.family == "ours":
        env["LUA_PATH"] = os.path.join(ours_dir, "?.lua") + ";;"
        env["LUA_CPATH"] = os.path.join(ours_dir, "?.so") + ";;"
    return env


def command(server, tools_dir, mode, lifetime, frame, lua):
    """argv that starts `server` in `mode` for at most `lifetime` seconds,
    a Lua server in the interpreter `lua`."""
    if server.family == "limit":
        return [os.path.join(tools_dir, server.binary), mode, str(int(lifetime))]
    return [lua, os.path.join(SCRIPTS, server.script), mode, str(int(lifetime)), str(frame)]
