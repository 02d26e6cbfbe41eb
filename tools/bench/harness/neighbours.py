"""How much of the machine other jobs are using. The CPUs are shared with
whatever else runs (compilers, tests): the harness waits for a quiet
moment before each measurement and notes how busy the others were during
it, so a disturbed figure is marked as such."""

import os
import resource
import time


def cpu_seconds():
    """(machine, ours): CPU seconds spent so far in user and system mode by
    every process, and by this harness with the children it has waited for
    (every server and load generator). Interrupt time is left out: the
    kernel does our loopback traffic there and charges it to no process."""
    with open("/proc/stat") as f:
        user, nice, system = (int(x) for x in f.readline().split()[1:4])
    machine = (user + nice + system) / os.sysconf("SC_CLK_TCK")
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return machine, me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


class Meter:
    """Other jobs' share of the machine's CPU time since the meter started."""

    def __init__(self):
        self.start, self.started = cpu_seconds(), time.monotonic()

    def share(self):
        end, wall = cpu_seconds(), time.monotonic() - self.started
        others = (end[0] - self.start[0]) - (end[1] - self.start[1])
        return max(others, 0.0) / (max(wall, 1e-3) * (os.cpu_count() or 1))


def wait_for_quiet(max_seconds, threshold=0.10, sample=0.5):
    """Waits, at most max_seconds, until others use under `threshold` of the
    CPUs over one sample. Returns their share in the last sample (None when
    max_seconds is 0: no waiting, no sampling)."""
    if max_seconds <= 0:
        return None
    deadline = time.monotonic() + max_seconds
    while True:
        meter = Meter()
        time.sleep(sample)
        share = meter.share()
        if share < threshold or time.monotonic() >= deadline:
            return share
