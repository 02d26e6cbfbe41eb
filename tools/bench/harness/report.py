"""docs/bench.md: how the run was made, a summary, one table per row."""

import servers
from figures import best_peer, limit_value, number, ratio

# A load generator on the CPU this much of the window was the bottleneck.
SATURATED = 0.9
# Other jobs taking this share of the CPUs during a measurement disturb it.
DISTURBED = 0.10

LEGEND = """\
How to read the tables: every figure is followed by its ratio to the
**C++ epoll server** (`vs C`, the physical limit of this machine's loopback)
and to the **best peer** measured in the same row of the same run (`vs peer`:
the best of LuaSocket, copas, cqueues and luv). A ratio is this figure
divided by the reference: for requests/s and MiB/s higher is better, for
latency, CPU and memory lower is better. "—" means the server is not written
for that row (the blocking servers serve one connection at a time; only
LuaSocket, cqueues and ours have a line reader). Server CPU is utime + stime
of the server process over the measured window, from /proc/PID/stat. The
**C++ io_uring server** is a second limit, for a completion backend: one
multishot accept, a multishot receive per connection into provided buffers,
sends batched into one system call per loop turn."""

METHOD_NOTES = """\
- One server process per row and server; server and load generator pinned
  to different CPUs with taskset; all traffic on 127.0.0.1.
- The load generator (`tools/bench/loadgen`, C++, epoll) checks every
  echoed byte. Echo rows are a closed loop: each connection keeps one
  request in flight, so requests/s and latency trade against each other.
- LuaSocket has no "whatever has arrived" read: its servers (blocking and
  copas) read exact frames, `receive(64)` or `receive(65536)`, the fastest
  way LuaSocket has. Ours use `readany`, cqueues `read(-65536)`, luv its
  read callback, sock `recv` into a buffer per connection that starts at
  1 KiB and becomes 64 KiB (the C server's read size) once a read fills it.
- copas waits in LuaSocket's `socket.select`, built on `fd_set`: past
  descriptor 1023 it raises "descriptor too large for set size" and the
  server dies. That is the failure shown in its 10,000-connection row.
- Memory is user-space only (VmRSS of the server); the kernel's socket
  buffers are not in it. For ours: sock it includes the 1 KiB
  `sock.buffer` each connection's coroutine owns (the API reads into a
  caller's buffer, and one shared buffer would be overwritten while a
  coroutine waits to send from it): the library's own share is the figure
  minus 1 KiB."""


def _cell_values(row, outcome, metric, refs):
    """The cells of one metric: figure, vs C, vs peer. A server that did
    not run says why in its first cell; a server that died still shows
    its error count."""
    blank = [""] * 2 if metric.ratios else []
    value = outcome.values.get(metric.key)
    shows_value = outcome.status == "ok" or (metric.key == "errors" and value is not None)
    if not shows_value:
        return [outcome.text if metric is row.metrics[0] else ""] + blank
    mark = " †" if metric is row.metrics[0] and outcome.values.get("neighbours", 0) > DISTURBED else ""
    cells = [number(value, metric.digits) + mark]
    if metric.ratios:
        limit, peer = refs[metric.key]
        cells += [ratio(value, limit), ratio(value, peer)]
    return cells


def row_table(row, row_results):
    refs = {m.key: (limit_value(row_results, m.key), best_peer(row_results, m)[0]) for m in row.metrics}
    head = ["server"]
    for m in row.metrics:
        head += [m.title] + (["vs C", "vs peer"] if m.ratios else [])
    lines = [f"## {row.title}", "", row.what, "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for server in servers.CATALOG:
        outcome = row_results[server.key]
        if outcome.status == "absent":
            continue
        cells = [server.label]
        for m in row.metrics:
            cells += _cell_values(row, outcome, m, refs)
        lines.append("| " + " | ".join(cells) + " |")
    starved = [f"{s.label} {number(row_results[s.key].values['starved'])}" for s in servers.CATALOG
               if row_results[s.key].status == "ok" and row_results[s.key].values.get("starved")]
    if starved:
        lines += ["", "Connections that completed no request in the window: " + ", ".join(starved) + "."]
    disturbed = [f"{s.label} ({row_results[s.key].values['neighbours']:.0%})" for s in servers.CATALOG
                  if row_results[s.key].values.get("neighbours", 0) > DISTURBED]
    if disturbed:
        lines += ["", "† Other jobs used part of the CPUs during the measurement of " + ", ".join(disturbed)
                  + ": those figures are low by an unknown amount."]
    saturated = [f"{s.label} ({row_results[s.key].values['loadgen_busy']:.0%})" for s in servers.CATALOG
                 if row_results[s.key].status == "ok"
                 and (row_results[s.key].values.get("loadgen_busy") or 0) >= SATURATED]
    if saturated:
        lines += ["", "The load generator was on the CPU for most of the window against " + ", ".join(saturated)
                  + ": those figures are bounded by the load generator, not by the server."]
    return lines + [""]


def summary_table(rows, results):
    ours = [s for s in servers.CATALOG if s.family == "ours"]
    head = ["row", "figure", "C limit", "best peer"] + [s.label for s in ours]
    lines = ["## Summary", "", "Ours as a ratio to the best peer (and to C) for each row's first figure.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        metric, row_results = row.metrics[0], results[row.key]
        limit = limit_value(row_results, metric.key)
        peer, peer_label = best_peer(row_results, metric)
        cells = [row.title, metric.title, number(limit),
                 f"{number(peer)} ({peer_label})" if peer_label else "—"]
        for s in ours:
            outcome = row_results[s.key]
            if outcome.status != "ok":
                cells.append(outcome.text)
                continue
            value = outcome.values.get(metric.key)
            cells.append(f"{number(value)}: {ratio(value, peer)} peer, {ratio(value, limit)} C")
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


# The hand-written sections of docs/bench.md: the simulated network's
# figures, measured by tools/bench/sim_speed_compare.sh, not by this
# harness, and what follows it (issue 12's partial runs across Lua
# versions). A run keeps them as they stand (carried_over).
SIM_HEADING = "## The simulated network"


def carried_over(path):
    """The section under SIM_HEADING of the report at `path`, to append unchanged ("" if none)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    at = text.find("\n" + SIM_HEADING)
    return "" if at < 0 else text[at:].rstrip("\n") + "\n"


def render(rows, results, environment, chart_name, warning=""):
    lines = ["# Benchmarks: lsock against LuaSocket, copas, cqueues and luv", "",
             "Written by `bash tools/bench/run.sh` (see tools/bench/README.md); do not edit by hand, except the last "
             "section (the simulated network), which a run keeps as it is.", ""]
    if warning:
        lines += [f"> **{warning}**", ""]
    lines += [f"- {k}: {v}" for k, v in environment.items()] + ["", LEGEND, ""]
    lines += summary_table(rows, results)
    last_echo = [r.key for r in rows if r.kind == "echo"][-1]
    for row in rows:
        lines += row_table(row, results[row.key])
        if row.key == last_echo:  # the chart sits under the rows it draws
            lines += [f"![requests/s, p99 and CPU per request by concurrency]({chart_name})", ""]
    lines += ["## Method", "", METHOD_NOTES, ""]
    return "\n".join(lines)
