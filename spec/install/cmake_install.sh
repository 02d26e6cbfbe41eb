#!/usr/bin/env bash
# `cmake --install` of a build folder, into temporary prefixes, checked:
#   - the default install: lsock.so (no debug sections) in lib/lua/5.2,
#     sock.lua and netsim.lua in share/lua/5.2, and no socket.lua;
#   - every module loads from it under its documented name (modules.lua);
#   - beside Debian's LuaSocket, LuaSec and copas, their programs still
#     work: socket.http against a local python3 http.server, a copas echo
#     round trip, ssl.wrap (coexistence.lua);
#   - the opt-in alias (the socket_alias component) makes require "socket"
#     lsock's (socket_alias.lua).
# usage: spec/install/cmake_install.sh BUILD_DIR
# Prints one line per check, then "N passed, M failed"; exits 1 on a failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"
build=$(cd "${1:?usage: cmake_install.sh BUILD_DIR}" && pwd)

prefix=$scratch/prefix
lmod=$prefix/share/lua/5.2
cmod=$prefix/lib/lua/5.2
shell_check "cmake --install --strip into a fresh prefix" cmake --install "$build" --prefix "$prefix" --strip
shell_check "the prefix holds lib/lua/5.2/lsock.so, share/lua/5.2/{sock,netsim}.lua and nothing else" \
  diff <(cd "$prefix" && find . -type f | sort) <(printf '%s\n' ./lib/lua/5.2/lsock.so ./share/lua/5.2/netsim.lua ./share/lua/5.2/sock.lua)
shell_check "the installed lsock.so has no debug sections" no_debug_sections "$cmod/lsock.so"
[ -f "$cmod/lsock.so" ] && echo "   installed lsock.so: $(stat -c %s "$cmod/lsock.so") bytes"

lua_checks "$(lua_path "$lmod")" "$cmod" modules.lua "$prefix/"

mkdir -p "$scratch/www"
printf 'hello from the install check\n' >"$scratch/www/hello.txt"
if start_http_server "$scratch/www"; then
  lua_checks "$(lua_path "$lmod")" "$cmod" coexistence.lua "$http_port"
else
  failed=$((failed + 1)); echo "FAIL - coexistence.lua: no HTTP server"
fi

alias_prefix=$scratch/alias
shell_check "cmake --install --component socket_alias adds share/lua/5.2/socket.lua" \
  bash -c "cmake --install '$build' --prefix '$alias_prefix' --component socket_alias && test -f '$alias_prefix/share/lua/5.2/socket.lua'"
lua_checks "$(lua_path "$alias_prefix/share/lua/5.2" "$lmod")" "$cmod" socket_alias.lua "$alias_prefix/"

finish
