# Installs what the build and the tests need from Debian's packages, quietly
# and only what is missing. Sourced by tools/run-example.sh and tools/test.sh.
lsock_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

LSOCK_BUILD_PACKAGES=(cmake g++ make lua5.2 liblua5.2-dev)
# The install checks (spec/install) need LuaSocket, LuaSec, copas and
# LuaRocks from Debian, to check that lsock installs beside them; the
# network namespaces of spec/dns and spec/parity need iproute2's ip.
LSOCK_TEST_PACKAGES=(catch2 lua-busted python3 lua-socket lua-sec lua-copas luarocks iproute2)
# The other Lua versions the tests build for and run the specs under
# (docs/build.md); Debian's busted runs under each of them.
# Lua 5.1's and LuaJIT's bindings need lua-compat53's header (docs/build.md).
LSOCK_OTHER_LUA_PACKAGES=(lua5.1 liblua5.1-0-dev lua5.3 liblua5.3-dev lua5.4 liblua5.4-dev luajit libluajit-5.1-dev lua-compat53-dev)
# The libFuzzer targets (tools/fuzz/libfuzzer): clang and its runtimes,
# libFuzzer among them.
LSOCK_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# The Windows build and its specs under Wine (tools/windows/test.sh): the
# mingw-w64 cross compiler, wine64, dpkg-dev for `apt-get source lua5.2`,
# and catch2, whose v2 header the cross-built Catch2 tests use.
LSOCK_WINDOWS_PACKAGES=(g++-mingw-w64-x86-64-posix wine64 dpkg-dev catch2)
