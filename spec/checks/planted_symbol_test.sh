#!/usr/bin/env bash
# Proves tools/check_portable_symbols.sh sees what it is for: a small shared
# library that calls only POSIX passes; the same library with one Linux-only
# call planted (accept4, epoll_create1, eventfd, each alone) fails, naming
# the call; a path that is not a library is an error (exit 2), not a pass.
#
# usage: spec/checks/planted_symbol_test.sh SOURCE_ROOT COMPILER
set -uo pipefail

check="$1/tools/check_portable_symbols.sh"
compiler="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# build NAME DECLARATION CALL: a shared library whose one function calls CALL.
build() {
    printf '#include <sys/socket.h>\n#include <unistd.h>\n%s\nextern "C" int planted(int fd) { %s }\n' "$2" "$3" \
        >"$work/$1.cpp"
    "$compiler" -shared -fPIC -o "$work/$1.so" "$work/$1.cpp" || { fail "$1: does not compile"; return 1; }
}

if build clean "" "return ::accept(fd, nullptr, nullptr) + ::close(fd);"; then
    out=$(bash "$check" "$work/clean.so" 2>&1) || fail "clean library reported (exit $?): $out"
fi
for planted in "accept4|int accept4(int, sockaddr*, socklen_t*, int) noexcept;|return accept4(fd, nullptr, nullptr, 0);" \
               "epoll_create1|#include <sys/epoll.h>|return epoll_create1(fd);" \
               "eventfd|#include <sys/eventfd.h>|return eventfd(0, fd);"; do
    IFS='|' read -r name declaration call <<<"$planted"
    build "$name" "$declaration" "$call" || continue
    status=0
    out=$(bash "$check" "$work/$name.so" 2>&1) || status=$?
    if [[ $status -ne 1 ]]; then fail "$name planted: exit $status, not 1: $out"
    elif ! grep -q "^    $name\$" <<<"$out"; then fail "$name planted: not named: $out"
    else echo "ok - $name planted is caught"; fi
done
status=0
bash "$check" "$work/missing.so" >/dev/null 2>&1 || status=$?
[[ $status -eq 2 ]] || fail "a missing library: exit $status, not 2"

[[ $failures -eq 0 ]] && echo "planted symbols caught" || exit 1
