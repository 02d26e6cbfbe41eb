#!/usr/bin/env bash
# Checks that includes point one way (docs/design.md, "The include
# direction"): the bindings stand on the core, the core on the OS interface,
# the backends on the OS interface alone:
#
#     src/lua (bindings) ──> src/core ──> include/lsock + src/os <── platform/*
#
# Scans every C/C++ source and header under include/, src/ and platform/ and
# reports an include that
#   - goes against the table below (the core including the bindings or a
#     backend, include/lsock including src or platform, a backend including
#     the core, the bindings or another backend, the bindings including a
#     backend other than through its entry points);
#   - names one of our headers other than by its folder ("world.hpp" or
#     "../core/step.hpp" instead of "sim/world.hpp", "core/step.hpp");
#   - sits in a folder the table has no row for (a new folder needs a rule).
# An #include inside a comment or a string literal does not count
# (cxx_text.awk blanks them first). spec/ and tools/ are not checked: a test
# may reach into whatever it tests.
#
# usage: tools/check_include_direction.sh [SOURCE_ROOT]
# Prints the offending lines and exits 1; else prints
# "includes point one way" and exits 0. Exits 2 when there is nothing to
# check (a wrong root must not pass silently).
set -euo pipefail

# Who may include what. The first row whose folder holds the file applies;
# a "*" at the end of a folder matches one name (platform/* is each backend).
# What a row allows, by the folder an include starts with:
#   lsock   include/lsock, the OS interface (system_os() is declared there:
#           the bindings' entry point to the real kernel)
#   core    src/core            lua   src/lua (its subfolders included)
#   self    the backend's own folder (sim/ for platform/sim, ...)
#   common  platform/common: what the real-kernel backends share (the lookup
#           pool, the BSD socket mapping); not a backend itself
#   entry   only the headers listed in `entry_points`
read -r -d '' rules <<'RULES' || true
include/lsock       lsock
src/os              lsock
src/core            lsock core
src/lua/netsim      lsock core lua entry
src/lua             lsock core lua
platform/common     lsock common
platform/*          lsock self common
RULES

# The simulated kernel's headers that netsim (the Lua face of the simulated
# network) may include: the world and its hosts. Everything else of a
# backend stays behind it.
entry_points="sim/world.hpp sim/sim_host.hpp"

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
root="${root%/}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cxx_sources.sh"

cxx_sources "$root/include" "$root/src" "$root/platform"
if [[ ${#files[@]} -eq 0 ]]; then
    echo "check_include_direction: no C/C++ files under $root/include, $root/src or $root/platform" >&2
    exit 2
fi
backends=""
if [[ -d "$root/platform" ]]; then
    for dir in "$root"/platform/*/; do
        [[ -d "$dir" && "$(basename "$dir")" != common ]] && backends="$backends $(basename "$dir")"
    done
fi

# strip() and include_target() come from cxx_text.awk.
read -r -d '' program <<'AWK' || true
BEGIN {
    nrules = split(rules, rule_lines, "\n")
    for (k = 1; k <= nrules; k++) {
        n = split(rule_lines[k], words, " ")
        rule_folder[k] = words[1]; rule_allows[k] = ""
        for (w = 2; w <= n; w++) rule_allows[k] = rule_allows[k] " " words[w]
        rule_allows[k] = rule_allows[k] " "
    }
    split(entry_points, list, " ")
    for (k in list) entry[list[k]] = 1
    split(backends, list, " ")
    for (k in list) backend[list[k]] = 1
    # Every scanned file, by its path below the root: what a bare name may
    # have meant.
    for (k = 1; k < ARGC; k++) ours[relative(ARGV[k])] = 1
    split("include src src/core src/lua platform platform/common", list, " ")
    ncandidates = 0
    for (k = 1; k in list; k++) candidate[++ncandidates] = list[k] "/"
    split(backends, list, " ")
    for (k = 1; k in list; k++) candidate[++ncandidates] = "platform/" list[k] "/"
    describe["lsock"] = "lsock/ (the OS interface)"
    describe["core"] = "core/ (the core)"
    describe["lua"] = "lua/ (the bindings)"
    describe["common"] = "common/ (what the real-kernel backends share)"
    found = 0
}

# The file's path below the root.
function relative(file) { return index(file, root "/") == 1 ? substr(file, length(root) + 2) : file }

function dir_of(path) { return sub(/\/[^\/]*$/, "", path) ? path : "." }

# "a/b/../c/./d" -> "a/c/d"; "" when it climbs above the root.
function normalize(path,    n, parts, out, k, depth, stack) {
    n = split(path, parts, "/"); depth = 0
    for (k = 1; k <= n; k++) {
        if (parts[k] == "" || parts[k] == ".") continue
        if (parts[k] == "..") { if (depth == 0) return ""; depth--; continue }
        stack[++depth] = parts[k]
    }
    out = ""
    for (k = 1; k <= depth; k++) out = out (k > 1 ? "/" : "") stack[k]
    return out
}

function exists(path,    line, ok) {
    ok = (getline line < path) >= 0
    if (ok) close(path)
    return ok
}

# The row of the table for a file, 0 if none. A folder pattern matches when
# the file is below it; its last "*" stands for the rest of one name.
function rule_of(path,    k, folder, prefix) {
    for (k = 1; k <= nrules; k++) {
        folder = rule_folder[k]
        if (folder == "") continue
        if (folder ~ /\*$/) {
            prefix = substr(folder, 1, length(folder) - 1)
            if (index(path, prefix) != 1) continue
            # the star covers one name: a folder (platform/sim/...) or a file (prefix_x.cpp)
            if (prefix ~ /\/$/ || substr(path, length(prefix) + 1) !~ /\//) return k
            continue
        }
        if (index(path, folder "/") == 1) return k
    }
    return 0
}

# The backend a file belongs to (platform/sim/x.cpp -> "sim"), or "".
function backend_of(path,    rest) {
    if (index(path, "platform/") != 1) return ""
    rest = substr(path, 10)
    return index(rest, "/") ? substr(rest, 1, index(rest, "/") - 1) : ""
}

# How a header of ours is included, from its path below the root:
# include/lsock/os.hpp -> lsock/os.hpp, src/core/x -> core/x,
# src/lua/common/x -> lua/common/x, platform/sim/x -> sim/x; "" if none.
function folder_form(path) {
    if (index(path, "include/") == 1) return substr(path, 9)
    if (index(path, "src/core/") == 1 || index(path, "src/lua/") == 1) return substr(path, 5)
    if (backend_of(path) != "") return substr(path, 10)
    return ""
}

# The layer a folder-form name belongs to: lsock, core, lua, a backend
# ("platform:sim"), or "" for what is not ours (<vector>, "catch2/...").
function layer_of(name,    top) {
    top = index(name, "/") ? substr(name, 1, index(name, "/") - 1) : ""
    if (top == "lsock" || top == "core" || top == "lua" || top == "common") return top
    if (top in backend) return "platform:" top
    return ""
}

# The folder a row names, said for this file: platform/* -> platform/sim.
function folder_name(k, path) {
    return rule_folder[k] ~ /\/\*$/ ? dir_of(path) : rule_folder[k]
}

# The scanned file an include name reaches from the root or one of the
# folders a build may have made an include folder; "" if none.
function ours_by_name(name,    k, normal) {
    normal = normalize(name)
    if (normal == "") return ""
    if (normal in ours) return normal
    for (k = 1; k <= ncandidates; k++) if ((candidate[k] normal) in ours) return candidate[k] normal
    return ""
}

function allowed(k, layer, name, path,    allows) {
    allows = rule_allows[k]
    if (index(allows, " " layer " ")) return 1
    if (layer == "platform:" backend_of(path) && index(allows, " self ")) return 1
    if ((name in entry) && index(allows, " entry ")) return 1
    return 0
}

function what(k, path,    allows, out, w, n, words) {
    n = split(rule_allows[k], words, " "); out = ""
    for (w = 1; w <= n; w++) {
        if (words[w] == "self") out = out ", " backend_of(path) "/ (its own folder)"
        else if (words[w] == "entry") out = out ", the entry points " entry_points
        else out = out ", " describe[words[w]]
    }
    return substr(out, 3)
}

function report(line, text, why) {
    sub(/^[ \t]+/, "", text)
    printf "%s:%d: %s    <- %s\n", current_path, line, text, why
    found++
}

function check_include(line, raw_line, target,    delim, name, path, resolved, form, layer, k) {
    delim = substr(target, 1, 1); name = substr(target, 2)
    path = current_path
    # A header of ours must be named by its folder. A quoted name is looked
    # up beside the file first; a name that is not found there may still
    # reach one of our headers through an include folder ("sim_host.hpp"
    # when platform/sim is one), or be written from the root.
    resolved = ""
    if (delim == "\"") {
        resolved = normalize(dir_of(path) "/" name)
        # "../lua/x.hpp" says where it points even if nothing is there yet.
        if (resolved != "" && !exists(root "/" resolved) && name !~ /(^|\/)\.\.\//) resolved = ""
    }
    if (resolved == "") resolved = ours_by_name(name)
    form = resolved == "" ? "" : folder_form(resolved)
    if (form != "" && form != name) {
        report(line, raw_line, "include it by its folder: \"" form "\"")
        name = form
    }
    layer = layer_of(name)
    if (layer == "") return
    k = current_rule
    if (!allowed(k, layer, name, path)) {
        report(line, raw_line, folder_name(k, path) " may not include " name "; it may include " what(k, path))
    }
}

FNR == 1 {
    current_path = relative(FILENAME); state = "code"
    current_rule = rule_of(current_path)
    if (current_rule == 0) {
        printf "%s: no rule for this folder in tools/check_include_direction.sh: add one\n", current_path
        found++
    }
}
{
    sub(/\r$/, "")
    target = include_target($0, strip($0))
    if (target != "" && current_rule > 0) check_include(FNR, $0, target)
}
END { exit found ? 1 : 0 }
AWK

status=0
awk -v root="$root" -v rules="$rules" -v entry_points="$entry_points" -v backends="$backends" \
    -f "$here/cxx_text.awk" -f <(printf '%s\n' "$program") "${files[@]}" || status=$?
if [[ $status -eq 0 ]]; then
    echo "includes point one way"
elif [[ $status -eq 1 ]]; then
    echo "check_include_direction: includes against the direction (see above); docs/design.md, \"The include direction\"" >&2
fi
exit "$status"
