#!/usr/bin/env bash
# Checks that a portable-POSIX build of the module asks the dynamic linker
# for no Linux-only call: `nm -D --undefined-only` on lsock.so shows none of
# accept4, epoll_*, eventfd (nor signalfd, pipe2, inotify_*: the other Linux
# calls a port could let in). The kqueue + portable-POSIX flavour on Linux
# (-DLSOCK_POLLER=kqueue -DLSOCK_PORTABLE_POSIX=ON) runs it under ctest, so
# that code which would not link on a BSD is caught on Linux (PORTING.md).
#
# usage: tools/check_portable_symbols.sh LIBRARY
# Prints the Linux-only symbols it finds and exits 1; else prints
# "no Linux-only symbols in LIBRARY" and exits 0. Exits 2 when the library
# cannot be read (a wrong path must not pass silently).
set -euo pipefail

library="${1:?usage: check_portable_symbols.sh LIBRARY}"
if ! symbols=$(nm -D --undefined-only "$library" 2>&1); then
    echo "check_portable_symbols: cannot read $library: $symbols" >&2
    exit 2
fi
if [[ -z "$symbols" ]]; then
    echo "check_portable_symbols: $library asks for no symbol at all: not a module" >&2
    exit 2
fi
linux_only=$(awk '{ name = $NF; sub(/@.*/, "", name); print name }' <<<"$symbols" |
    grep -E '^(accept4|epoll_[a-z_0-9]+|eventfd|eventfd_read|eventfd_write|signalfd|pipe2|inotify_[a-z_0-9]+)$' || true)
if [[ -n "$linux_only" ]]; then
    echo "check_portable_symbols: $library calls what only Linux has:"
    sed 's/^/    /' <<<"$linux_only"
    exit 1
fi
echo "no Linux-only symbols in $library"
