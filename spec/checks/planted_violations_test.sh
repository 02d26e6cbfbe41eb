#!/usr/bin/env bash
# Proves the source checks catch what they are for: copies the library's
# sources (include/, src/, platform/) into a temporary folder, shows that the
# copy passes, plants one violation at a time and expects the check to fail
# naming the planted file, line and include (or call). Decoys (the same
# text inside comments and string literals, allowed entry points) are
# planted in the clean copy and must not be reported.
#
# usage: spec/checks/planted_violations_test.sh [SOURCE_ROOT]
set -uo pipefail

source_root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
includes="$source_root/tools/check_include_direction.sh"
os_calls="$source_root/tools/check_os_calls.sh"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
cp -R "$source_root/include" "$source_root/src" "$source_root/platform" "$tree/"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# plant PATH TEXT: writes TEXT (printf %b escapes) as a new file of the copy.
plant() { mkdir -p "$(dirname "$tree/$1")"; printf '%b' "$2" >"$tree/$1"; }

# expect_pass CHECK LABEL
expect_pass() {
    local out status=0
    out=$(bash "$1" "$tree" 2>&1) || status=$?
    if [[ $status -ne 0 ]]; then fail "$2: the check failed on a clean tree (exit $status):"; echo "$out"; fi
}

# expect_violation CHECK PATH TEXT NAMED: plants PATH, expects exit 1 and an
# output line starting with NAMED (path:line: code), removes PATH again.
expect_violation() {
    local check=$1 path=$2 text=$3 named=$4 out status=0
    plant "$path" "$text"
    out=$(bash "$check" "$tree" 2>&1) || status=$?
    rm -f "$tree/$path"
    if [[ $status -ne 1 ]]; then
        fail "$path: expected exit 1, got $status"; echo "$out"
    elif ! grep -qF -- "$named" <<<"$out"; then
        fail "$path: the output does not name '$named':"; echo "$out"
    else
        echo "ok: $(grep -F -- "$named" <<<"$out" | head -1)"
    fi
}

# The clean copy passes both checks, with decoys that only look like
# violations and the includes the rules allow.
decoys='// #include "lua/sock_module.hpp"\n/* #include "sim/world.hpp"\n#include "posix/posix_os.hpp"\n::close(fd); */\nconst char* a = R"x(\n#include "lua/socket_object.hpp"\n::socket(1, 2, 3)\n)x";\nconst char* b = "#include \\"lua/x.hpp\\" ::close(0)";\nint f(int fd) { return os.close(fd); }\n'
plant src/core/decoys.cpp "$decoys"
plant include/lsock/decoys.hpp "$decoys"
plant platform/sim/decoys.cpp "$decoys"
plant src/lua/netsim/allowed.cpp '#include "sim/world.hpp"\n#include "sim/sim_host.hpp"\n#include "core/step.hpp"\n#include "lua/common/x.hpp"\n'
plant src/lua/common/allowed.cpp '#include "lsock/os.hpp"\n#include "core/socket_base.hpp"\n#include "lua/sock/x.hpp"\n'
plant platform/sim/allowed.cpp '#include "sim/world.hpp"\n#include "lsock/os.hpp"\n#include <vector>\n'
plant platform/posix/allowed.cpp '#include "common/bsd_sockets.hpp"\n#include "posix/wake_fd.hpp"\n'
expect_pass "$includes" "include direction"
expect_pass "$os_calls" "OS calls"

# One violation of each kind.
inc=$includes
expect_violation "$inc" src/core/planted.cpp '#include <vector>\n#include "lua/sock_module.hpp"\n' \
    'src/core/planted.cpp:2: #include "lua/sock_module.hpp"    <- src/core may not include'
expect_violation "$inc" src/core/planted.cpp '#include "sim/world.hpp"\n' \
    'src/core/planted.cpp:1: #include "sim/world.hpp"    <- src/core may not include'
expect_violation "$inc" src/core/planted.cpp '/* a comment */ #include "posix/posix_os.hpp"\n' \
    'src/core/planted.cpp:1: /* a comment */ #include "posix/posix_os.hpp"    <- src/core may not include'
expect_violation "$inc" src/core/planted.cpp '#include "../lua/socket_module.hpp"\n' \
    'src/core/planted.cpp:1: #include "../lua/socket_module.hpp"    <- src/core may not include lua/socket_module.hpp'
expect_violation "$inc" include/lsock/planted.hpp '#include "core/step.hpp"\n' \
    'include/lsock/planted.hpp:1: #include "core/step.hpp"    <- include/lsock may not include'
expect_violation "$inc" include/lsock/planted.hpp '#include "sim/sim_host.hpp"\n' \
    'include/lsock/planted.hpp:1: #include "sim/sim_host.hpp"    <- include/lsock may not include'
expect_violation "$inc" src/os/planted.cpp '#include "core/step.hpp"\n' \
    'src/os/planted.cpp:1: #include "core/step.hpp"    <- src/os may not include'
expect_violation "$inc" platform/sim/planted.cpp '#include "core/socket_base.hpp"\n' \
    'platform/sim/planted.cpp:1: #include "core/socket_base.hpp"    <- platform/sim may not include'
expect_violation "$inc" platform/posix/planted.cpp '#include <lua/socket_object.hpp>\n' \
    'platform/posix/planted.cpp:1: #include <lua/socket_object.hpp>    <- platform/posix may not include'
expect_violation "$inc" platform/sim/planted.cpp '#include "posix/posix_os.hpp"\n' \
    'platform/sim/planted.cpp:1: #include "posix/posix_os.hpp"    <- platform/sim may not include'
expect_violation "$inc" platform/sim/planted.cpp '#include "world.hpp"\n' \
    'platform/sim/planted.cpp:1: #include "world.hpp"    <- include it by its folder: "sim/world.hpp"'
expect_violation "$inc" src/lua/netsim/planted.cpp '#include "sim/tcp_socket.hpp"\n' \
    'src/lua/netsim/planted.cpp:1: #include "sim/tcp_socket.hpp"    <- src/lua/netsim may not include'
expect_violation "$inc" src/lua/netsim_planted.cpp '#include "sim/world.hpp"\n' \
    'src/lua/netsim_planted.cpp:1: #include "sim/world.hpp"    <- src/lua may not include'
expect_violation "$inc" src/lua/netsim/planted.cpp '#include "posix/epoll_poller.hpp"\n' \
    'src/lua/netsim/planted.cpp:1: #include "posix/epoll_poller.hpp"    <- src/lua/netsim may not include'
expect_violation "$inc" src/lua/sock_planted.cpp '#include "sim/world.hpp"\n' \
    'src/lua/sock_planted.cpp:1: #include "sim/world.hpp"    <- src/lua may not include'
expect_violation "$inc" src/lua/socket/planted.cpp '#include "sim/sim_host.hpp"\n' \
    'src/lua/socket/planted.cpp:1: #include "sim/sim_host.hpp"    <- src/lua may not include'
expect_violation "$inc" src/lua/common/planted.cpp '#include "posix/posix_os.hpp"\n' \
    'src/lua/common/planted.cpp:1: #include "posix/posix_os.hpp"    <- src/lua may not include'
# platform/common, shared by the real-kernel backends, is no backend: it
# reaches none of them, and the core does not reach it.
expect_violation "$inc" platform/common/planted.cpp '#include "posix/wake_fd.hpp"\n' \
    'platform/common/planted.cpp:1: #include "posix/wake_fd.hpp"    <- platform/common may not include'
expect_violation "$inc" src/core/planted.cpp '#include "common/lookup_pool.hpp"\n' \
    'src/core/planted.cpp:1: #include "common/lookup_pool.hpp"    <- src/core may not include'
expect_violation "$inc" src/extra/planted.cpp '#include <vector>\n' \
    'src/extra/planted.cpp: no rule for this folder'

# The OS-call check, fooled by neither comments nor strings above, still
# sees a real call and a system header.
expect_violation "$os_calls" src/core/planted.cpp 'int f(int fd) { return ::close(fd); }\n' \
    'src/core/planted.cpp:1: int f(int fd) { return ::close(fd); }    <- ::close is an OS call'
expect_violation "$os_calls" src/lua/planted.cpp '/* c */ #include <sys/socket.h>\n' \
    'src/lua/planted.cpp:1: /* c */ #include <sys/socket.h>    <- <sys/socket.h> is the OS'"'"'s header'

# A root with nothing to read is an error (exit 2), not a pass.
empty="$tree/empty-root"   # removed with the copy
mkdir "$empty"
for check in "$includes" "$os_calls"; do
    status=0
    bash "$check" "$empty" >/dev/null 2>&1 || status=$?
    if [[ $status -eq 2 ]]; then echo "ok: $(basename "$check") exits 2 on a root with no sources"
    else fail "$(basename "$check") on an empty root: expected exit 2, got $status"; fi
done

if [[ $failures -ne 0 ]]; then echo "$failures planted-violation case(s) failed"; exit 1; fi
echo "every planted violation was caught, and the clean tree passed"
