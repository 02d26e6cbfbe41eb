#!/usr/bin/env python3
"""echo_lookups: the echo row at 1,000 connections with and without name
lookups running beside it (issue 14): does a loop that also looks names up
on the lookup pool keep serving?

    bash tools/bench/echo_lookups.sh [--seconds 5] [--rounds 3] [--rate 1000]

Runs only inside tools/with_dns_peer.sh (echo_lookups.sh puts it there):
the lookups go to tools/peers/dns.py in the namespace's own loopback,
never to the machine's resolver. Each round measures `ours: sock` plain
and then with LOOKUPS_PER_SECOND lookups a second
(servers/ours_sock_lookups.lua), interleaved; it prints each run and the
median of the ratios (server CPU per request, p99). A benchmark, not a
test: nothing here asserts a time."""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))

import processes  # noqa: E402  (the harness's, for starting and ending by PID)


def measure(args, rate, log):
    env = dict(os.environ, LUA_PATH=f"{args.module_dir}/?.lua;;", LUA_CPATH=f"{args.module_dir}/?.so;;",
               LOOKUPS_PER_SECOND=str(rate))
    lifetime = args.seconds + args.warmup + 25
    argv = ["lua5.2", os.path.join(HERE, "servers", "ours_sock_lookups.lua"), "echo", str(lifetime)]
    server = processes.ServerProcess(argv, env, args.server_cpu, log)
    try:
        if not server.wait_listening():
            sys.exit(f"echo_lookups: the server did not start: {server.last_error()}")
        raw = processes.run_loadgen(args.tools_dir, args.client_cpu,
                                    ["--mode", "echo", "--conns", args.conns, "--message", 64,
                                     "--duration", args.seconds, "--warmup", args.warmup,
                                     "--ramp-timeout", 20, "--port", server.port, "--watch-pid", server.pid],
                                    lifetime)
    finally:
        server.stop()
        time.sleep(0.3)
    if "error" in raw:
        sys.exit(f"echo_lookups: the load generator failed: {raw['error']}")
    return {"rps": raw["rps"], "p99_ms": raw["p99_us"] / 1000, "cpu_us": raw["cpu_s"] / raw["requests"] * 1e6,
            "errors": raw["errors"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--conns", type=int, default=1000)
    parser.add_argument("--module-dir", required=True)
    parser.add_argument("--tools-dir", required=True)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--client-cpu", default="1")
    parser.add_argument("--log-dir", default="/tmp")
    args = parser.parse_args()
    if os.environ.get("LSOCK_IN_DNS_NAMESPACE") != "1":
        sys.exit("echo_lookups: run it through tools/bench/echo_lookups.sh (inside tools/with_dns_peer.sh)")
    ratios_cpu, ratios_p99 = [], []
    print(f"echo, {args.conns} connections, {args.seconds:g} s windows; lookups at {args.rate}/s beside it")
    print(f"{'round':>5} {'run':<10} {'requests/s':>11} {'p99 ms':>8} {'CPU us/req':>11} {'errors':>6}")
    for n in range(1, args.rounds + 1):
        results = {}
        for label, rate in (("plain", 0), ("lookups", args.rate)):
            log = os.path.join(args.log_dir, f"echo_lookups-{n}-{label}.log")
            r = results[label] = measure(args, rate, log)
            counts = [line for line in open(log) if line.startswith("lookups:")]
            print(f"{n:>5} {label:<10} {r['rps']:>11.0f} {r['p99_ms']:>8.2f} {r['cpu_us']:>11.2f} {r['errors']:>6.0f}"
                  f"   {counts[-1].strip() if counts else ''}")
        ratios_cpu.append(results["lookups"]["cpu_us"] / results["plain"]["cpu_us"])
        ratios_p99.append(results["lookups"]["p99_ms"] / results["plain"]["p99_ms"])
    print(f"median ratio with/without lookups: server CPU per request {statistics.median(ratios_cpu):.2f}x, "
          f"p99 {statistics.median(ratios_p99):.2f}x (target: within 1.2x)")


if __name__ == "__main__":
    main()
