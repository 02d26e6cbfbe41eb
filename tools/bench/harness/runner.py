"""Runs every row against every server, one server process per row."""

import os
import subprocess
import time
from dataclasses import dataclass, field

import neighbours
import processes
import servers


@dataclass
class Outcome:
    status: str                 # "ok", "absent", "na" or "failed"
    values: dict = field(default_factory=dict)
    text: str = ""              # why a figure is missing
    raw: dict = field(default_factory=dict)


ABSENT = Outcome("absent", text="—")


def availability(tools_dir, ours_dir, lua):
    """Server key -> None when it can run, else the text its cells show."""
    why = {}
    for server in servers.CATALOG:
        if server.family == "limit":
            ok = os.access(os.path.join(tools_dir, server.binary), os.X_OK)
            why[server.key] = None if ok else "n/a (not built)"
            continue
        if server.family == "ours" and not ours_dir:
            why[server.key] = "n/a (library did not build)"
            continue
        probe = subprocess.run([lua, "-e", f'require "{server.needs}"'],
                               env=servers.lua_env(server, ours_dir), capture_output=True, timeout=30)
        if probe.returncode == 0:
            why[server.key] = None
        elif server.needs == "sock":
            why[server.key] = "n/a (sock not built)"
        elif server.family == "ours":
            why[server.key] = "n/a (library not built)"
        else:
            why[server.key] = f"n/a ({server.needs} not installed)"
    return why


def run_cell(row, server, settings, tools_dir, ours_dir, log_dir):
    """Waits for a quiet moment, then measures; notes how much of the CPUs
    other jobs took meanwhile."""
    neighbours.wait_for_quiet(settings.quiet_wait)
    meter = neighbours.Meter()
    outcome = _measure(row, server, settings, tools_dir, ours_dir, log_dir)
    outcome.values["neighbours"] = meter.share()
    return outcome


def _measure(row, server, settings, tools_dir, ours_dir, log_dir):
    """Starts `server`, drives it through `row`, stops it."""
    lifetime = row.seconds + 30
    argv = servers.command(server, tools_dir, row.mode, lifetime, row.frame, settings.lua)
    log = os.path.join(log_dir, f"{row.key}-{server.key}.log")
    proc = processes.ServerProcess(argv, servers.lua_env(server, ours_dir), settings.server_cpu, log)
    try:
        if not proc.wait_listening():
            return Outcome("failed", text="did not start: " + proc.last_error())
        args = row.loadgen + ["--port", proc.port, "--watch-pid", proc.pid]
        raw = processes.run_loadgen(tools_dir, settings.client_cpu, args, row.seconds + 30)
        values = row.derive(raw)
        if proc.died():
            return Outcome("failed", values, "died: " + proc.last_error(), raw)
        if "error" in raw:
            return Outcome("failed", values, f"failed: {raw['error']}", raw)
        return Outcome("ok", values, raw=raw)
    finally:
        proc.stop()
        time.sleep(0.3)  # let the kernel finish the resets before the next server


def best_of(row, runs):
    """The run with the best first figure: on a shared machine noise only
    ever makes a server look slower, so the best run is the least noisy."""
    ok = [r for r in runs if r.status == "ok" and r.values.get(row.metrics[0].key) is not None]
    if not ok:
        return runs[-1]
    pick = max if row.metrics[0].better == "higher" else min
    return pick(ok, key=lambda r: r.values[row.metrics[0].key])


def run_all(rows, settings, tools_dir, ours_dir, log_dir, progress):
    """{row key: {server key: Outcome}} for every row and server.

    With several runs per figure, the runs of one row take turns across the
    servers (A B C, A B C, ...) rather than running back to back, so that a
    burst of a neighbour's load falls on all of them alike."""
    missing = availability(tools_dir, ours_dir, settings.lua)
    unknown = set(settings.only_servers) - set(missing)
    if unknown:
        raise SystemExit(f"BENCH_SERVERS: no server {', '.join(sorted(unknown))} "
                         f"(servers: {', '.join(missing)})")
    for key in missing:
        if settings.only_servers and key not in settings.only_servers:
            missing[key] = "not run (BENCH_SERVERS)"
    results = {}
    for row in rows:
        runs = {s.key: [] for s in servers.CATALOG}
        for _ in range(settings.repeat):
            for server in servers.CATALOG:
                if server.takes(row.kind) and not missing[server.key]:
                    runs[server.key].append(run_cell(row, server, settings, tools_dir, ours_dir, log_dir))
        results[row.key] = {}
        for server in servers.CATALOG:
            if not server.takes(row.kind):
                outcome = ABSENT
            elif missing[server.key]:
                outcome = Outcome("na", text=missing[server.key])
            else:
                outcome = best_of(row, runs[server.key])
            results[row.key][server.key] = outcome
            progress(row, server, outcome)
    return results
