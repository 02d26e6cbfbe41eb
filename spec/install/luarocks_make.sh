#!/usr/bin/env bash
# `luarocks make` (Debian's luarocks) of the rockspec in a clean copy of the
# source tree, into a temporary tree (--tree), without the network (in a
# network namespace of its own when `unshare -n` is allowed, as for root),
# checked:
#   - LuaRocks deployed lsock.so into the tree's lib/lua/5.2 and sock.lua,
#     netsim.lua into its share/lua/5.2 (not lib/lua/5.2/lua/5.2/...), with
#     no socket.lua, and lsock.so has no debug sections;
#   - `luarocks list` knows the rock at VERSION's version;
#   - every module loads from the tree under its documented name and works
#     (modules.lua, with the paths `luarocks path` gives).
# usage: spec/install/luarocks_make.sh
# Prints one line per check, then "N passed, M failed"; exits 1 on a failure.
set -uo pipefail
. "$(dirname "$0")/common.sh"

src=$scratch/src
tree=$scratch/tree
copy_source "$src"
rockspec=$(cd "$src" && ls lsock-*.rockspec)
version=$(head -n1 "$root/VERSION")

offline=()
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
else
  echo "   (unshare -n is not allowed here: luarocks make runs with the network reachable)"
fi
make_rock() { # LuaRocks' `cmake --build` builds serially unless told
  (cd "$src" && CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "${offline[@]}" timeout 900 luarocks --lua-version=5.2 make --tree "$tree" "$rockspec")
}
shell_check "luarocks make $rockspec --tree <temporary tree>${offline:+, with no network}" make_rock

lmod=$tree/share/lua/5.2
cmod=$tree/lib/lua/5.2
shell_check "the tree has lib/lua/5.2/lsock.so and share/lua/5.2/{sock,netsim}.lua, no socket.lua" \
  bash -c "test -f '$cmod/lsock.so' && test -f '$lmod/sock.lua' && test -f '$lmod/netsim.lua' && ! test -e '$lmod/socket.lua' && ! test -e '$cmod/lua'"
shell_check "the rock's lsock.so has no debug sections" no_debug_sections "$cmod/lsock.so"
[ -f "$cmod/lsock.so" ] && echo "   installed lsock.so: $(stat -c %s "$cmod/lsock.so") bytes"
listed() { luarocks --lua-version=5.2 list --tree "$tree" --porcelain | grep -q "^lsock	$version-"; }
shell_check "luarocks list shows lsock $version" listed

# The paths a user gets from `eval "$(luarocks path --tree T)"`.
rock_path=$(luarocks --lua-version=5.2 path --tree "$tree" --lr-path)
rock_cpath=$(luarocks --lua-version=5.2 path --tree "$tree" --lr-cpath)
shell_check "luarocks path names the tree's folders" bash -c "grep -qF '$lmod/?.lua' <<<'$rock_path' && grep -qF '$cmod/?.so' <<<'$rock_cpath'"
lua_checks "$rock_path" "$cmod" modules.lua "$tree/"

finish
