-- Every module of an installed lsock loads from the install, answers to the
-- documented names, and works.
--   usage: lua5.2 spec/install/modules.lua INSTALL_DIR
-- with LUA_PATH/LUA_CPATH naming the install's folders first (and the
-- build folder nowhere): each module's file must lie under INSTALL_DIR.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = package.path .. ";" .. here .. "?.lua"
local checks = require "checks"
local check = checks.check

local install_dir = assert(arg[1], "usage: modules.lua INSTALL_DIR")
local version = checks.version(here .. "../../")

local function from_install(name)
  local file = checks.module_file(name)
  assert(file, "no file for " .. name .. " on package.path/cpath")
  assert(file:sub(1, #install_dir) == install_dir,
         name .. " loads from " .. file .. ", not from under " .. install_dir)
end

local names = { "lsock.socket", "lsock.sock", "lsock.netsim", "sock", "netsim" }
for _, name in ipairs(names) do
  check("require '" .. name .. "' loads from the install", function()
    from_install(name)
    assert(type(require(name)) == "table")
  end)
end

check("sock and netsim are the namespaced modules under short names", function()
  assert(require "sock" == require "lsock.sock")
  assert(require "netsim" == require "lsock.netsim")
end)

check("_VERSION of each module is VERSION's " .. version, function()
  assert((require "lsock.socket")._VERSION == "lsock " .. version)
  assert((require "lsock.sock")._VERSION == "lsock.sock " .. version)
  assert((require "lsock.netsim")._VERSION == "lsock netsim " .. version)
end)

check("lsock.socket: a TCP round trip on 127.0.0.1", function()
  local socket = require "lsock.socket"
  local server = assert(socket.tcp())
  assert(server:bind("127.0.0.1", 0))
  assert(server:listen(4))
  local port = server:getsockname().port
  local client = assert(socket.tcp())
  client:settimeout(5)
  server:settimeout(5)
  assert(client:connect("127.0.0.1", port))
  local peer = assert(server:accept())
  assert(client:write("ping"))
  assert(peer:read(4) == "ping")
  peer:close(); client:close(); server:close()
end)

check("lsock.sock: a thread runs on the loop", function()
  local sock = require "lsock.sock"
  local ran = false
  sock.newthread(function() sock.sleep(0.01); ran = true end)
  assert(sock.start(5))
  assert(ran)
end)

check("lsock.netsim: a simulated round trip in virtual time", function()
  local netsim = require "lsock.netsim"
  local world = netsim.world { seed = 1 }
  local a, b = world:host "10.0.0.1", world:host "10.0.0.2"
  world:link(a, b, { latency = 0.01 })
  local got
  b:spawn(function(socket)
    local s = assert(socket.udp())
    assert(s:bind("10.0.0.2", 9))
    got = s:recv(100)
  end)
  a:spawn(function(socket)
    local s = assert(socket.udp())
    assert(s:sendto("hello", "10.0.0.2", 9))
  end)
  assert(world:run())
  assert(got == "hello", tostring(got))
end)

checks.finish()
