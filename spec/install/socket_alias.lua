-- With the opt-in alias installed (-DLSOCK_INSTALL_SOCKET_ALIAS=ON, or the
-- socket_alias component), `require "socket"` is lsock's module.
--   usage: lua5.2 spec/install/socket_alias.lua INSTALL_DIR
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = package.path .. ";" .. here .. "?.lua"
local checks = require "checks"

local install_dir = assert(arg[1], "usage: socket_alias.lua INSTALL_DIR")

checks.check("require 'socket' loads the installed alias, which is lsock.socket", function()
  local file = checks.module_file("socket")
  assert(file and file:sub(1, #install_dir) == install_dir, "socket loads from " .. tostring(file))
  local socket = require "socket"
  assert(socket == require "lsock.socket" and socket.ERROR_CLOSED == "Connection closed")
end)

checks.finish()
