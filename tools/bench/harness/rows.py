"""The rows of the report: what the load generator does for each, and how
its result line becomes the figures shown."""

from dataclasses import dataclass, field

from settings import GIB, MIB


@dataclass
class Metric:
    key: str
    title: str
    better: str           # "higher" or "lower"
    digits: int = 3       # significant digits shown
    ratios: bool = True   # shown against the C limit and the best peer


@dataclass
class Row:
    key: str
    kind: str             # which servers take part (see servers.Server.rows)
    title: str
    what: str             # one sentence under the title
    mode: str             # server mode: "echo" or "lines"
    frame: int            # the frame size the LuaSocket servers read
    loadgen: list         # load generator arguments, without --port/--watch-pid
    seconds: float        # how long the load generator may take
    metrics: list = field(default_factory=list)
    derive: object = None  # result dict -> {metric key: value}


def _cpu_per(result, count, scale):
    cpu = result.get("cpu_s")
    return None if cpu is None or not count else cpu / count * scale


def _busy(result):
    """How much of the window each side spent on the CPU (1.0 = all of it)."""
    seconds = result.get("seconds") or 0
    cpu = result.get("cpu_s")
    return {"loadgen_busy": result.get("loadgen_busy"),
            "server_busy": cpu / seconds if cpu is not None and seconds else None}


def _bulk(result):
    return {"mib_s": result.get("mib_per_s"),
            "cpu_gib": _cpu_per(result, result.get("received", 0) / GIB, 1)}


def _pingpong(result):
    return {"rtps": result.get("rps"), "p50": result.get("p50_us"),
            "cpu_req": _cpu_per(result, result.get("requests"), 1e6)}


def _echo(result):
    return {"rps": result.get("rps"), "p99": result.get("p99_us", 0) / 1000,
            "cpu_req": _cpu_per(result, result.get("requests"), 1e6),
            "errors": result.get("errors"), "starved": result.get("starved")}


def _idle(result):
    per = result.get("bytes_per_conn")
    return {"kib_conn": None if per is None else per / 1024}


def _lines(result):
    return {"mib_s": result.get("mib_per_s"), "mlines_s": result.get("lines_per_s", 0) / 1e6,
            "cpu_gib": _cpu_per(result, result.get("bytes", 0) / GIB, 1)}


def _size(n):
    return f"{n / GIB:g} GiB" if n >= GIB else f"{n / MIB:g} MiB"


def _with_busy(derive):
    return lambda result: {**derive(result), **_busy(result)}


def build(s):
    """Every row of one run, in report order."""
    rows = [
        Row("bulk", "bulk", "Bulk throughput, one connection",
            f"{_size(s.bulk_bytes)} in {s.write_size // 1024} KiB writes, echoed back and checked byte for byte.",
            "echo", s.write_size,
            ["--mode", "bulk", "--bytes", s.bulk_bytes, "--chunk", s.write_size, "--timeout", 240],
            250,
            [Metric("mib_s", "MiB/s", "higher"), Metric("cpu_gib", "server CPU s/GiB", "lower")],
            _with_busy(_bulk)),
        Row("pingpong", "pingpong", "Ping-pong, one connection",
            f"{s.message}-byte messages, one in flight, for {s.pingpong_seconds:g} s.",
            "echo", s.message,
            ["--mode", "echo", "--conns", 1, "--message", s.message,
             "--duration", s.pingpong_seconds, "--warmup", s.warmup_seconds],
            s.pingpong_seconds + s.warmup_seconds + 30,
            [Metric("rtps", "round trips/s", "higher"), Metric("p50", "p50 µs", "lower"),
             Metric("cpu_req", "server CPU µs/trip", "lower")],
            _with_busy(_pingpong)),
    ]
    for conns in s.concurrency:
        rows.append(Row(
            f"echo{conns}", "echo", f"Echo, {conns:,} concurrent connections",
            f"{s.message}-byte requests, one in flight per connection, measured for {s.echo_seconds:g} s "
            f"after connecting and a {s.warmup_seconds:g} s warm-up.",
            "echo", s.message,
            ["--mode", "echo", "--conns", conns, "--message", s.message, "--duration", s.echo_seconds,
             "--warmup", s.warmup_seconds, "--ramp-timeout", s.ramp_timeout],
            s.ramp_timeout + s.echo_seconds + s.warmup_seconds + 30,
            [Metric("rps", "requests/s", "higher"), Metric("p99", "p99 ms", "lower"),
             Metric("cpu_req", "server CPU µs/req", "lower"),
             Metric("errors", "errors", "lower", ratios=False)],
            _with_busy(_echo)))
    rows += [
        Row("idle", "idle", f"Memory per idle connection, {s.idle_conns:,} connections",
            "Server resident memory (VmRSS) after every connection made one round trip and sat idle, "
            "minus before the first connect, divided by the connections.",
            "echo", s.message,
            ["--mode", "idle", "--conns", s.idle_conns, "--message", s.message,
             "--ramp-timeout", s.ramp_timeout, "--settle", 0.5 if s.quick else 1.0],
            s.ramp_timeout + 30,
            [Metric("kib_conn", "KiB per connection", "lower")],
            _idle),
        Row("lines", "lines", "Line splitting: readuntil against receive(\"*l\")",
            f"{_size(s.lines_bytes)} of CRLF lines (1..159 bytes, ~80 on average) on one connection; "
            "the server counts them with its library's line reader.",
            "lines", s.write_size,
            ["--mode", "lines", "--bytes", s.lines_bytes, "--chunk", s.write_size, "--timeout", 240],
            250,
            [Metric("mib_s", "MiB/s", "higher"), Metric("mlines_s", "M lines/s", "higher"),
             Metric("cpu_gib", "server CPU s/GiB", "lower")],
            _with_busy(_lines)),
    ]
    return rows
