-- `luarocks make` in a clone of the repository builds and installs lsock.
-- The version is VERSION's (tools/check_version.sh fails when this file's
-- name or `version` disagree with it); the revision counts rockspec fixes.
rockspec_format = "3.0"
package = "lsock"
version = "0.1.0-1"
source = {
  -- No published archive yet: `luarocks make` builds the tree it runs in
  -- and never fetches this.
  url = "git+file://./lsock",
  tag = "v0.1.0",
}
description = {
  summary = "Sockets for Lua 5.2: blocking, coroutine-scheduled, and on a simulated network",
  detailed = [[
lsock.socket: TCP, UDP and unix sockets with blocking, non-blocking and
timeout modes, select without the 1024-descriptor limit, exact reads and a
readuntil iterator. lsock.sock: coroutine-scheduled sockets on epoll, io_uring, kqueue or IOCP.
lsock.netsim: an in-memory network in virtual time with faults, handing out
the same modules bound to simulated hosts. It installs beside LuaSocket and
does not take its `socket` name.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.5",   -- 5.1, 5.2, 5.3, 5.4 and LuaJIT (docs/build.md)
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    BUILD_TESTING = "OFF",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LUA_INCLUDE_DIR = "$(LUA_INCDIR)",
    -- LuaRocks' own folders for the rock: lsock.so into $(LIBDIR), the
    -- .lua files into $(LUADIR); it deploys them onto the tree's paths.
    LSOCK_INSTALL_LIBDIR = "$(LIBDIR)",
    LSOCK_INSTALL_LUADIR = "$(LUADIR)",
  },
}
