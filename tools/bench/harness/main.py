"""The benchmark harness: runs every row on every server, then writes the
report and the chart. Started by tools/bench/run.sh after it has built the
tools and the library:

    python3 main.py REPO TOOLS_DIR RESULTS_DIR [OURS_DIR]

OURS_DIR is where our library was built; empty when it did not build.
"""

import json
import os
import sys

import chart
import environment
import neighbours as neighbours_mod
import report
import rows as row_defs
import runner
import settings as settings_mod
from figures import number

# Other jobs above this share of the CPUs during the run make figures noisy.
BUSY_SHARE = 0.10


def _progress(row, server, outcome):
    if outcome.status == "absent":
        return
    if outcome.status == "ok":
        shown = ", ".join(f"{m.title} {number(outcome.values.get(m.key))}" for m in row.metrics)
        busy = outcome.values.get("server_busy"), outcome.values.get("loadgen_busy")
        if None not in busy:
            shown += f"  [CPU busy: server {busy[0]:.0%}, load generator {busy[1]:.0%}]"
    else:
        shown = outcome.text
    if outcome.values.get("neighbours", 0) > report.DISTURBED:
        shown += f"  (other jobs used {outcome.values['neighbours']:.0%} of the CPUs)"
    print(f"  {row.key:<9} {server.label:<24} {shown}", flush=True)


def _busy_warning(neighbours):
    """What the report says first when neighbours shared the CPUs."""
    if neighbours <= BUSY_SHARE:
        return ""
    return (f"Measured while other jobs used {neighbours:.0%} of the machine's CPU: throughput and latency "
            "move by tens of percent from run to run; server CPU per request is the steadier figure.")


def main(repo, tools_dir, results_dir, ours_dir=""):
    settings = settings_mod.load()
    rows = row_defs.build(settings)
    unknown = set(settings.only_rows) - {r.key for r in rows}
    if unknown:
        sys.exit(f"BENCH_ROWS: no row {', '.join(sorted(unknown))} (rows: {', '.join(r.key for r in rows)})")
    if settings.only_rows:
        rows = [r for r in rows if r.key in settings.only_rows]
    os.makedirs(results_dir, exist_ok=True)
    load_before = environment.load_average()
    print(f"load average before: {load_before}", flush=True)
    if float(load_before.split()[0]) > 1.0:
        print("  the machine is busy: figures will be noisy (see `uptime`; BENCH_REPEAT=3 keeps the best of 3)")

    meter = neighbours_mod.Meter()
    results = runner.run_all(rows, settings, tools_dir, ours_dir, results_dir, _progress)
    neighbours = meter.share()

    load_after = environment.load_average()
    env = environment.describe(settings, repo, load_before, load_after, neighbours)
    with open(os.path.join(results_dir, "results.json"), "w") as f:
        json.dump({"environment": env,
                   "results": {r: {s: vars(o) for s, o in cells.items()} for r, cells in results.items()}},
                  f, indent=1)
    # Quick and partial runs are for trying things out: they leave the
    # published figures in docs/ alone.
    docs = results_dir if settings.quick or settings.partial else os.path.join(repo, "docs")
    subtitle = f"{env['date']}, {env['mode'].split(' ')[0]} run, load average {load_before} before, {load_after} after"
    chart.draw(rows, results, subtitle, os.path.join(results_dir, "concurrency.dat"), os.path.join(docs, "bench.png"))
    kept = report.carried_over(os.path.join(repo, "docs", "bench.md"))
    with open(os.path.join(docs, "bench.md"), "w") as f:
        f.write(report.render(rows, results, env, "bench.png", _busy_warning(neighbours)) + kept)
    print(f"wrote {os.path.join(docs, 'bench.md')} and {os.path.join(docs, 'bench.png')}; "
          f"raw results in {results_dir}")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
