"""docs/bench.png: the concurrency rows as clustered bars (requests/s, p99
latency, server CPU per request), drawn by gnuplot."""

import os
import subprocess

import servers

# Greys for the limits, blues and greens for ours, warm colours for the peers.
COLOURS = {"c": "#808080", "c_uring": "#b0b0b0", "ours_sock": "#1f5fbf", "ours_sock_uring": "#6fa8ff",
           "ours_natural": "#1a3f7a", "ours_natural_uring": "#4a7fd0", "ours_select": "#3fa34d",
           "copas": "#e08a1e", "cqueues": "#c0392b", "luv": "#8e44ad"}

# (figure, axis label, log scale, tick format)
PANELS = [("rps", "requests/s (higher is better)", False, "%.0s%c"),
          ("p99", "p99 latency, ms, log scale (lower is better)", True, "%g"),
          ("cpu_req", "server CPU µs/request (lower is better)", False, "%g")]


def _value(outcome, key):
    value = outcome.values.get(key) if outcome.status == "ok" else None
    return "?" if value is None or value <= 0 else f"{value:.6g}"


def _title(server, rows, results):
    """The legend entry; says which levels have no bar, and why."""
    gaps = [(r, results[r.key][server.key]) for r in rows if results[r.key][server.key].status != "ok"]
    if not gaps:
        return server.label
    if len(gaps) == len(rows):
        return f"{server.label}: {gaps[0][1].text}"
    levels = ", ".join(f"{int(r.key[4:]):,}" for r, _ in gaps)
    reason = gaps[0][1].text.split(":")[0]
    return f"{server.label}: no bar at {levels} ({reason})"


def _gap_labels(panel, rows, drawn, results):
    """A word where a bar is missing, so a gap does not read as zero. In a
    clustered histogram cluster i is centred on x = i and each of the n
    bars is 1/(n + gap) wide."""
    labels = ["unset label"]
    n = len(drawn)
    for i, r in enumerate(rows):
        for j, s in enumerate(drawn):
            outcome = results[r.key][s.key]
            if outcome.status == "ok":
                continue
            word = "died" if outcome.text.startswith("died") else "n/a"
            x = i + (j - (n - 1) / 2) / (n + 1)
            labels.append(f'set label "{word}" at first {x:.3f}, graph 0.04 rotate by 90 left '
                          f'font ",10" tc rgb "{COLOURS[s.key]}"')
    return labels


def draw(rows, results, subtitle, data_path, png_path):
    rows = [r for r in rows if r.kind == "echo"]
    drawn = [s for s in servers.CATALOG if s.takes("echo")]
    with open(data_path, "w") as f:
        f.write("# conns " + " ".join(f"{s.key}_{k}" for k, _, _, _ in PANELS for s in drawn) + "\n")
        for r in rows:
            cells = [_value(results[r.key][s.key], k) for k, _, _, _ in PANELS for s in drawn]
            f.write(f"{int(r.key[4:]):,} " + " ".join(cells) + "\n")

    script = [
        f'set terminal pngcairo size 1400,1150 font "Liberation Sans,12"',
        f'set output "{png_path}"',
        'set datafile missing "?"',
        'set style data histograms',
        'set style histogram clustered gap 1',
        'set style fill solid 0.9 border rgb "#333333"',
        'set boxwidth 0.9',
        'set grid ytics',
        # Fixed margins keep the three panels' x axes aligned; the legend
        # sits in the space on the right, once, beside the first panel.
        'set lmargin at screen 0.08',
        'set rmargin at screen 0.68',
        'set key at screen 0.70, screen 0.90 left top vertical Left reverse spacing 1.3',
        'set xlabel "concurrent connections"',
        f'set xrange [-0.55:{len(rows) - 0.45}]',
        f'set multiplot layout 3,1 title "Echo of 64-byte requests, closed loop\\n{subtitle}"',
    ]
    for panel, (key, label, log, ticks) in enumerate(PANELS):
        script += ['set logscale y' if log else 'unset logscale y', f'set ylabel "{label}"',
                   'set yrange [*:*]' if log else 'set yrange [0:*]', f'set format y "{ticks}"']
        script += _gap_labels(panel, rows, drawn, results)
        plots = []
        for i, s in enumerate(drawn):
            column = 2 + panel * len(drawn) + i
            title = _title(s, rows, results) if panel == 0 else ""
            source = '"' + data_path + '"' if i == 0 else "''"
            xtic = ":xtic(1)" if i == 0 else ""
            legend = f'title "{title}"' if title else "notitle"
            plots.append(f'{source} using {column}{xtic} {legend} lc rgb "{COLOURS[s.key]}"')
        script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    done = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError("gnuplot failed: " + done.stderr.strip())
    return os.path.exists(png_path)
