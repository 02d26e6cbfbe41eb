#!/usr/bin/env bash
# with_dns_peer.sh COMMAND...: runs COMMAND with the system resolver pointed
# at tools/peers/dns.py, without touching the machine's /etc/resolv.conf:
# in a private mount and network namespace (root: unshare), its own
# loopback is brought up, /etc/resolv.conf and /etc/nsswitch.conf are
# replaced by bind mounts seen only inside, and the peer serves port 53 of
# that loopback. The peer ends with the namespace (killed by its PID, and
# by its own --lifetime). Exit status: COMMAND's.
# Environment: DNS_PEER_ARGS (extra peer options, e.g. "--delay 0.2").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${LSOCK_IN_DNS_NAMESPACE:-}" != 1 ]; then
  exec env LSOCK_IN_DNS_NAMESPACE=1 unshare --mount --net --propagation private bash "$0" "$@"
fi
dir=$(mktemp -d)
trap 'kill "$peer" 2>/dev/null || true; umount /etc/resolv.conf /etc/nsswitch.conf 2>/dev/null || true; rm -rf "$dir"' EXIT
ip link set lo up
# One try of one second: a resolver that never answers gives up soon, so
# the lookup threads of a test do not linger.
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$dir/resolv.conf"
printf 'hosts: files dns\n' >"$dir/nsswitch.conf"
mount --bind "$dir/resolv.conf" /etc/resolv.conf
mount --bind "$dir/nsswitch.conf" /etc/nsswitch.conf
# shellcheck disable=SC2086
python3 tools/peers/dns.py --port 53 --lifetime 1200 --idle 600 ${DNS_PEER_ARGS:-} >"$dir/announce" &
peer=$!
for _ in $(seq 100); do [ -s "$dir/announce" ] && break; sleep 0.05; done
[ -s "$dir/announce" ] || { echo "with_dns_peer.sh: the DNS peer did not start" >&2; exit 1; }
"$@"
