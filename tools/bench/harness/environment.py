"""What the report says about the run: machine, load, versions, sizes."""

import datetime
import os
import platform
import resource
import subprocess

PEER_PACKAGES = ["lua5.2", "lua-socket", "lua-copas", "lua-cqueues", "lua-luv"]


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _package_versions():
    done = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}, "] + PEER_PACKAGES,
                          capture_output=True, text=True)
    return done.stdout.strip().rstrip(",") or "unknown"


def _commit(repo, source):
    what = ["--dirty"] if source in ("tree", "head") else [source]
    done = subprocess.run(["git", "-C", repo, "describe", "--always"] + what,
                          capture_output=True, text=True)
    where = {"head": "the last commit", "tree": "the working tree"}.get(source, f"commit {source}")
    return f"{done.stdout.strip() or 'unknown'} (built from {where})"


def describe(settings, repo, load_before, load_after, neighbours):
    pinning = (f"server on CPU {settings.server_cpu}, load generator on CPU {settings.client_cpu}"
               if settings.server_cpu else "none (fewer than 2 CPUs)")
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "mode": "quick (BENCH_QUICK=1: smaller sizes, 1 s windows)" if settings.quick else "full",
        "ours": _commit(repo, settings.source),
        "Lua": settings.lua,
        "machine": f"{_cpu_model()}, {os.cpu_count()} CPUs, Linux {platform.release()}",
        "load average (1, 5, 15 min)": f"{load_before} before, {load_after} after (after counts this run's own two processes)",
        "other jobs during the run": f"{neighbours:.0%} of the machine's CPU time",
        "pinning": pinning,
        "runs per figure": (f"best of {settings.repeat}" if settings.repeat > 1 else "1"),
        "descriptor limit": str(resource.getrlimit(resource.RLIMIT_NOFILE)[0]),
        "packages": _package_versions(),
    }
