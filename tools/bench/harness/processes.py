"""Starting a server and the load generator, pinned to their CPUs, and
ending them by PID. Every wait here has a bound."""

import os
import re
import select
import subprocess
import time


class ServerProcess:
    """A server started in the background; knows its PID and port."""

    def __init__(self, argv, env, cpu, log_path):
        self.log_path = log_path
        self.stderr = open(log_path, "w")
        self.proc = subprocess.Popen(_pinned(argv, cpu), env=env, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True)
        self.pid = self.proc.pid
        self.port = None

    def wait_listening(self, seconds=15):
        """Reads "listening on PORT"; False if it does not come in time."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("listening on "):
                    self.port = int(line.split()[-1])
                    return True
        return False

    def died(self):
        return self.proc.poll() is not None

    def last_error(self):
        """The last line the server wrote to stderr: why it died."""
        self.stderr.flush()
        with open(self.log_path) as f:
            lines = [l.strip() for l in f if l.strip() and not l.startswith(("stack traceback", "\t", "[C]"))]
        # "lua5.2: /usr/share/lua/5.2/copas.lua:478: bad argument ..." -> "bad argument ..."
        return re.sub(r"^(lua5\.2: )?(\S+:\d+: )?", "", lines[-1]) if lines else ""

    def stop(self):
        """Ends the server by its PID (SIGTERM, then SIGKILL after 3 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(3)
        self.proc.stdout.close()
        self.stderr.close()


def run_loadgen(tools_dir, cpu, args, timeout):
    """Runs the load generator; returns its result line as a dict."""
    argv = _pinned([os.path.join(tools_dir, "lsock_loadgen")] + [str(a) for a in args], cpu)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "load generator timed out"}
    for line in done.stdout.splitlines():
        if line.startswith("result "):
            return _parse_result(line)
    return {"error": (done.stderr.strip().splitlines() or ["no result"])[-1]}


def _parse_result(line):
    fields = {}
    for item in line.split()[1:]:
        key, _, value = item.partition("=")
        try:
            fields[key] = float(value)
        except ValueError:
            fields[key] = value
    return fields


def _pinned(argv, cpu):
    return ["taskset", "-c", cpu] + argv if cpu else argv
