#!/usr/bin/env bash
# The echo row with name lookups beside it (tools/bench/echo_lookups.py):
# builds the module (Release, build-bench/lookups) and the load generator,
# then runs the measurement inside tools/with_dns_peer.sh, so the lookups
# go to the DNS peer in a network namespace of their own.
#   bash tools/bench/echo_lookups.sh [--seconds 5] [--rounds 3] [--rate 1000]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/deps.sh
lsock_install "${LSOCK_BUILD_PACKAGES[@]}" python3 iproute2 util-linux
out=build-bench
cmake -S tools/bench -B "$out/tools" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/tools" -j"$(nproc)" >/dev/null
cmake -S . -B "$out/lookups" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/lookups" -j"$(nproc)" --target lsock_lua >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec tools/with_dns_peer.sh python3 tools/bench/echo_lookups.py --module-dir "$PWD/$out/lookups" \
  --tools-dir "$PWD/$out/tools" --log-dir "$PWD/$out" "$@"
