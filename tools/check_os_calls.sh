#!/usr/bin/env bash
# Checks that nothing outside platform/ calls the OS directly
# (docs/design.md, "The seam": nothing above the OS interface calls the OS,
# reads the real clock, or sleeps). Scans every C/C++ source and header
# under src/ and include/ for
#   - calls of socket, poll, epoll, resolver, clock and sleep functions,
#     bare (`close(fd)`) or global (`::close(fd)`);
#   - includes of the system headers that declare them.
# Our own methods share names with the C functions (`os.connect(`,
# `socket.close()`, `SocketBase::bind(`, `int send(...);`), so a name only
# counts as a C call when it is not a member access, not qualified by a
# class or namespace, not a declaration, and (for the names we reuse) has
# the C function's number of arguments. Comments and string literals are
# blanked out first.
#
# usage: tools/check_os_calls.sh [SOURCE_ROOT]
# Prints the offending lines and exits 1; else prints
# "no OS calls outside platform/" and exits 0. Exits 2 when there is
# nothing to check (a wrong root must not pass silently).
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
root="${root%/}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cxx_sources.sh"
cxx_sources "$root/src" "$root/include"
if [[ ! -d "$root/src" && ! -d "$root/include" ]]; then
    echo "check_os_calls: neither $root/src nor $root/include exists" >&2
    exit 2
fi
if [[ ${#files[@]} -eq 0 ]]; then
    echo "check_os_calls: no C/C++ files under $root/src or $root/include" >&2
    exit 2
fi

# strip() and include_target() come from cxx_text.awk.
read -r -d '' program <<'AWK' || true
BEGIN {
    # Names we also use for our own methods: a bare call counts only with
    # the C function's argument count. "::name(" always counts.
    split("socket:3 connect:3 accept:3 bind:3 listen:2 send:4 recv:4 poll:3 select:5 close:1 shutdown:2 time:1", pairs, " ")
    for (k in pairs) { split(pairs[k], kv, ":"); arity[kv[1]] = kv[2] + 0 }
    # Names nobody reuses: any bare or global call counts.
    split("socketpair accept4 sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg ppoll pselect kqueue kevent " \
          "getaddrinfo freeaddrinfo getnameinfo gai_strerror gethostbyname gethostbyname2 gethostbyaddr " \
          "inet_pton inet_ntop inet_addr inet_aton inet_ntoa clock_gettime clock_getres gettimeofday " \
          "nanosleep usleep setsockopt getsockopt getsockname getpeername fcntl ioctl timerfd_create eventfd " \
          "if_nametoindex if_indextoname closesocket ioctlsocket WSAStartup WSAPoll WSASocketA WSASocketW " \
          "WSARecv WSARecvFrom WSASend WSASendTo WSAIoctl CreateIoCompletionPort GetQueuedCompletionStatus " \
          "GetQueuedCompletionStatusEx QueryPerformanceCounter GetTickCount GetTickCount64 Sleep SleepEx", list, " ")
    for (k in list) unique[list[k]] = 1
    # Names too common to flag bare: only "::name(" or "std::name(".
    split("read write readv writev sleep clock timespec_get pipe pipe2 dup dup2", list, " ")
    for (k in list) qualified_only[list[k]] = 1
    # Words after which "name(" is still an expression, not a declaration.
    split("return else do case throw co_return co_await co_yield not and or xor", list, " ")
    for (k in list) keyword[list[k]] = 1
    header_re = "^(sys/socket\\.h|sys/select\\.h|sys/time\\.h|sys/un\\.h|sys/epoll\\.h|sys/event\\.h|sys/ioctl\\.h|" \
                "sys/timerfd\\.h|sys/eventfd\\.h|netdb\\.h|poll\\.h|arpa/inet\\.h|netinet/.*|net/if\\.h|ifaddrs\\.h|" \
                "unistd\\.h|fcntl\\.h|time\\.h|ctime|winsock\\.h|winsock2\\.h|ws2tcpip\\.h|mswsock\\.h|windows\\.h)$"
    found = 0
}

# Findings of the current file, printed in line order by flush().
function report(file, line, why) {
    notes[line] = notes[line] (notes[line] == "" ? "" : "; ") why
}

function flush(file,    ln, text) {
    if (index(file, root "/") == 1) file = substr(file, length(root) + 2)
    for (ln = 1; ln <= lines; ln++) {
        if (notes[ln] == "") continue
        text = raw[ln]
        sub(/^[ \t]+/, "", text)
        printf "%s:%d: %s    <- %s\n", file, ln, text, notes[ln]
        found++
    }
}

# Number of arguments of the call whose "(" is at `open` in `code`; -1 if
# the parentheses never close.
function count_args(code, open,    depth, i, n, c, args, seen) {
    depth = 0; args = 0; seen = 0; n = length(code)
    for (i = open; i <= n; i++) {
        c = substr(code, i, 1)
        if (depth >= 1 && c !~ /[ \t\n)]/) seen = 1
        if (c == "(" || c == "[" || c == "{") { depth++; continue }
        if (c == ")" || c == "]" || c == "}") {
            depth--
            if (depth == 0) return seen ? args + 1 : 0
            continue
        }
        if (depth == 1 && c == ",") args++
    }
    return -1
}

function line_of(pos,    lo, hi, mid) {
    lo = 1; hi = lines
    while (lo < hi) {
        mid = int((lo + hi + 1) / 2)
        if (starts[mid] <= pos) lo = mid; else hi = mid - 1
    }
    return lo
}

function check_file(file,    code, rest, offset, pos, name, before, prev, qualifier, args, ln, word, why, m, from, chrono) {
    if (lines == 0) return
    code = ""
    for (ln = 1; ln <= lines; ln++) { starts[ln] = length(code) + 1; code = code stripped[ln] "\n" }
    chrono = code ~ /chrono[ \t\n]*::/
    rest = code; offset = 0
    while (match(rest, /[A-Za-z_][A-Za-z_0-9]*[ \t\n]*\(/)) {
        pos = offset + RSTART
        name = substr(rest, RSTART, RLENGTH - 1)
        sub(/[ \t\n]+$/, "", name)
        offset += RSTART + RLENGTH - 1
        rest = substr(rest, RSTART + RLENGTH)
        # An identifier that is the tail of a longer one was matched whole.
        # Enough context to see a qualifier, a declaration or a #define.
        from = pos > 400 ? pos - 400 : 1
        before = substr(code, from, pos - from)
        sub(/[ \t\n]+$/, "", before)
        prev = substr(before, length(before), 1)
        why = ""
        if (substr(before, length(before) - 1, 2) == "::") {
            qualifier = substr(before, 1, length(before) - 2)
            sub(/[ \t\n]+$/, "", qualifier)
            m = qualifier
            sub(/.*[^A-Za-z_0-9]/, "", m)
            if (qualifier ~ /[A-Za-z_0-9>]$/ && !(m in keyword)) {
                # Qualified: ours (SocketBase::bind) unless it is the C++
                # library's clock, sleep or time.
                if (name == "now" && (m ~ /_clock$/ || (chrono && m ~ /[Cc]lock$/))) why = m "::now reads the real clock"
                else if ((name == "sleep_for" || name == "sleep_until") && m == "this_thread") why = "this_thread::" name " sleeps"
                else if (m == "std" && (name == "time" || name == "clock" || name == "timespec_get")) why = "std::" name " reads the real clock"
            } else if (name in arity || name in unique || name in qualified_only || name ~ /^epoll_/) {
                why = "::" name " is an OS call"
            }
        } else if (prev == "." || substr(before, length(before) - 1, 2) == "->") {
            # a member call: os.send(, socket->close(
        } else if (prev ~ /[A-Za-z_0-9]/) {
            word = before
            sub(/.*[^A-Za-z_0-9]/, "", word)
            # "int close(" declares; "return close(" calls; so does a
            # macro body right after "#define NAME".
            if (word in keyword || before ~ /(^|\n)[ \t]*#[ \t]*define[ \t]+[A-Za-z_0-9]+$/) why = "call"
        } else if (prev == "*" || prev == "~" || (prev == "&" && substr(before, length(before) - 1, 2) != "&&")) {
            # Foo* accept(...) / Foo& bind(...) declare; ~Foo() is a destructor
        } else if (prev == ">") {
            # std::vector<int> bind(...) declares
        } else {
            why = "call"
        }
        if (why != "call") { if (why != "") report(current, line_of(pos), why); continue }
        if (name ~ /^epoll_/ || name in unique) { report(current, line_of(pos), name "() is an OS call"); continue }
        if (name in arity) {
            args = count_args(code, offset)
            if (args == arity[name] || args < 0)
                report(current, line_of(pos), name "() with " arity[name] " argument" (arity[name] == 1 ? "" : "s") " is the OS call")
        }
    }
    # System headers.
    for (ln = 1; ln <= lines; ln++) {
        if (header[ln] != "" && header[ln] ~ header_re) report(current, ln, "<" header[ln] "> is the OS's header")
    }
    flush(file)
}

FNR == 1 {
    if (current != "") check_file(current)
    current = FILENAME; lines = 0; state = "code"
    delete raw; delete stripped; delete header; delete starts; delete notes
}
{
    sub(/\r$/, "")
    lines = FNR
    raw[FNR] = $0
    stripped[FNR] = strip($0)
    header[FNR] = substr(include_target($0, stripped[FNR]), 2)
}
END {
    if (current != "") check_file(current)
    exit found ? 1 : 0
}
AWK

status=0
awk -v root="$root" -f "$here/cxx_text.awk" -f <(printf '%s\n' "$program") "${files[@]}" || status=$?
if [[ $status -eq 0 ]]; then
    echo "no OS calls outside platform/"
elif [[ $status -eq 1 ]]; then
    echo "check_os_calls: OS calls outside platform/ (see above); go through the Os interface (include/lsock/os.hpp)" >&2
fi
exit "$status"
