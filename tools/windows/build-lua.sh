#!/bin/sh
# Cross-builds Lua 5.2 for Windows (x86_64, mingw-w64) from Debian's own
# lua5.2 source package: BUILD/lua52.dll, BUILD/lua.exe and the headers in
# BUILD/include, which the Windows build of lsock compiles and links against
# (cmake/mingw-w64.cmake, docs/build.md "Windows").
#
#   tools/windows/build-lua.sh [BUILD]      (default: build-windows/lua)
#
# The source comes through apt, like every package here: the script adds a
# deb-src twin of each enabled `deb` entry in /etc/apt (derived at run time,
# so no mirror is named in the project), runs apt-get update once, and
# `apt-get source lua5.2`. Idempotent: quiet and quick when already built.
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$here/build-windows/lua}
cc=${LSOCK_MINGW_CC:-x86_64-w64-mingw32-gcc-posix}

if [ -f "$out/lua52.dll" ] && [ -f "$out/lua.exe" ] && [ -f "$out/include/lua.h" ]; then
  exit 0
fi
command -v "$cc" >/dev/null || { echo "build-lua.sh: no $cc (apt-get install g++-mingw-w64-x86-64-posix)" >&2; exit 1; }
mkdir -p "$out/src-pkg"

# 1. The source package, once.
src=$(ls -d "$out"/src-pkg/lua5.2-*/ 2>/dev/null | head -n 1 || true)
if [ -z "$src" ]; then
  twin=/etc/apt/sources.list.d/lsock-deb-src.sources
  if [ ! -f "$twin" ] && ! grep -rqs '^[[:space:]]*\(Types:.*deb-src\|deb-src[[:space:]]\)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    tmp=$(mktemp)
    # deb822 files: every stanza whose Types has `deb`, with Types: deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk 'BEGIN{RS=""; ORS="\n\n"} /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ {
             sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f" >>"$tmp"
    done
    # one-line files: each `deb ...` line as `deb-src ...`.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >>"$tmp.list"
    done 2>/dev/null || true
    [ -s "$tmp" ] && cp "$tmp" "$twin"
    [ -s "$tmp.list" ] && cp "$tmp.list" /etc/apt/sources.list.d/lsock-deb-src.list
    rm -f "$tmp" "$tmp.list"
    apt-get update -qq >/dev/null
  fi
  (cd "$out/src-pkg" && apt-get source -qq lua5.2 >/dev/null 2>&1) || {
    echo "build-lua.sh: apt-get source lua5.2 failed (is dpkg-dev installed? run: apt-get source lua5.2)" >&2; exit 1; }
  src=$(ls -d "$out"/src-pkg/lua5.2-*/ | head -n 1)
fi

# 2. The cross-build: Lua's own mingw recipe, by hand (its makefile's
#    `mingw` target calls the host's tools by their plain names).
s=$src/src
core="lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable ltm lundump lvm lzio"
libs="lauxlib lbaselib lbitlib lcorolib ldblib liolib lmathlib loslib lstrlib ltablib loadlib linit"
objs=
mkdir -p "$out/obj" "$out/include"
for m in $core $libs; do
  "$cc" -O2 -Wall -DLUA_COMPAT_ALL -DLUA_BUILD_AS_DLL -c "$s/$m.c" -o "$out/obj/$m.o"
  objs="$objs $out/obj/$m.o"
done
# shellcheck disable=SC2086
"$cc" -shared -o "$out/lua52.dll" $objs -Wl,--out-implib,"$out/liblua52.dll.a" -s
"$cc" -O2 -DLUA_COMPAT_ALL -DLUA_BUILD_AS_DLL -c "$s/lua.c" -o "$out/obj/lua.o"
"$cc" -o "$out/lua.exe" "$out/obj/lua.o" "$out/lua52.dll" -s
for h in lua.h luaconf.h lualib.h lauxlib.h lua.hpp; do
  if [ -f "$s/$h" ]; then cp "$s/$h" "$out/include/"; elif [ -f "$src/etc/$h" ]; then cp "$src/etc/$h" "$out/include/"; fi
done
# mingw's runtime DLLs beside lua.exe, so wine finds them (the posix
# thread model links libwinpthread; C++ modules also need libstdc++/libgcc).
for dll in libwinpthread-1.dll libstdc++-6.dll libgcc_s_seh-1.dll; do
  p=$("${LSOCK_MINGW_CXX:-x86_64-w64-mingw32-g++-posix}" -print-file-name=$dll)
  [ -f "$p" ] && cp "$p" "$out/"
done
echo "build-lua.sh: built $out/lua.exe and $out/lua52.dll"
