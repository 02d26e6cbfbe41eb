"""Numbers as the report shows them, and the references they are held
against: the C++ limit and the best peer of the same row and run."""

import servers


def number(value, digits=3):
    """48512 -> "48.5k", 0.01234 -> "0.0123", 1581.4 -> "1,581"."""
    if value is None:
        return "?"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.{max(digits - 1, 1)}g}M".replace("e+0", "e")
    if magnitude >= 1e4:
        return f"{value / 1e3:.{digits}g}k"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude == 0:
        return "0"
    return f"{value:.{digits}g}"


def ratio(value, reference):
    """value ÷ reference, or "—" when either is missing or zero."""
    if value is None or not reference:
        return "—"
    r = value / reference
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def _valid(outcome, key):
    value = outcome.values.get(key)
    return value if outcome.status == "ok" and value is not None else None


def limit_value(row_results, key):
    """The C++ server's figure for `key`, if it ran."""
    return _valid(row_results.get("c"), key) if "c" in row_results else None


def best_peer(row_results, metric):
    """(value, label) of the best peer for `metric`, or (None, "")."""
    best, label = None, ""
    for server in servers.CATALOG:
        if server.family != "peer" or server.key not in row_results:
            continue
        value = _valid(row_results[server.key], metric.key)
        if value is None or value <= 0:
            continue
        better = best is None or (value > best if metric.better == "higher" else value < best)
        if better:
            best, label = value, server.label
    return best, label
