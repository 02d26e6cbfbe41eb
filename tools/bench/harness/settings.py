"""Sizes and durations of one run, from the environment.

BENCH_QUICK=1 shrinks everything so a whole run takes under two minutes;
the other variables override single sizes for either mode."""

import os
from dataclasses import dataclass

GIB = 1 << 30
MIB = 1 << 20


@dataclass
class Settings:
    quick: bool
    bulk_bytes: int         # bulk row: bytes echoed on one connection
    write_size: int         # bulk and lines rows: bytes per write
    message: int            # ping-pong and echo rows: bytes per request
    pingpong_seconds: float
    echo_seconds: float     # measured window of each concurrency row
    warmup_seconds: float
    concurrency: tuple      # connections of the echo rows
    idle_conns: int         # memory row
    lines_bytes: int        # readuntil row
    ramp_timeout: float     # seconds allowed to open every connection
    server_cpu: str         # taskset CPU lists; "" = no pinning
    client_cpu: str
    source: str             # "tree" (working tree), "head" (last commit) or a commit
    lua: str                # BENCH_LUA: the interpreter every Lua server runs in
    repeat: int             # runs per cell; the best one is kept
    quiet_wait: float       # seconds to wait for other jobs to calm down before a cell
    only_rows: tuple        # BENCH_ROWS: row keys to run (empty: all)
    only_servers: tuple     # BENCH_SERVERS: server keys to run (empty: all)

    @property
    def partial(self):
        """A run of some rows or servers only: not a report to publish."""
        return bool(self.only_rows or self.only_servers)


def _number(name, default):
    value = os.environ.get(name)
    return type(default)(float(value)) if value else default


def _keys(name):
    return tuple(k for k in os.environ.get(name, "").replace(" ", ",").split(",") if k)


def load():
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    cpus = os.cpu_count() or 1
    pin = cpus >= 2
    return Settings(
        quick=quick,
        bulk_bytes=_number("BENCH_BULK_BYTES", 256 * MIB if quick else 2 * GIB),
        write_size=64 * 1024,
        message=64,
        pingpong_seconds=_number("BENCH_PINGPONG_SECONDS", 1.0 if quick else 5.0),
        echo_seconds=_number("BENCH_ECHO_SECONDS", 1.0 if quick else 10.0),
        warmup_seconds=0.3 if quick else 1.0,
        concurrency=(100, 1000, 10000),
        idle_conns=1000,
        lines_bytes=_number("BENCH_LINES_BYTES", 64 * MIB if quick else GIB),
        ramp_timeout=20.0 if quick else 60.0,
        server_cpu=os.environ.get("BENCH_SERVER_CPU", "0" if pin else ""),
        client_cpu=os.environ.get("BENCH_CLIENT_CPU", "1" if pin else ""),
        source=os.environ.get("BENCH_SOURCE", "tree"),
        lua=os.environ.get("BENCH_LUA", "lua5.2"),
        repeat=max(1, _number("BENCH_REPEAT", 1)),
        quiet_wait=_number("BENCH_QUIET_WAIT", 0.0 if quick else 60.0),
        only_rows=_keys("BENCH_ROWS"),
        only_servers=_keys("BENCH_SERVERS"),
    )
