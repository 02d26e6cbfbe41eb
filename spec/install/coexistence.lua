-- An installed lsock beside LuaSocket, LuaSec and copas: the programs
-- written for those keep working, and this library is there under its own
-- names (README "Installing").
--   usage: lua5.2 spec/install/coexistence.lua HTTP_PORT
-- with LUA_PATH/LUA_CPATH naming the install's folders ahead of the
-- system's, and an HTTP server on 127.0.0.1:HTTP_PORT serving /hello.txt
-- with the text "hello from the install check\n".
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = package.path .. ";" .. here .. "?.lua"
local checks = require "checks"
local check = checks.check

local http_port = assert(tonumber(arg[1]), "usage: coexistence.lua HTTP_PORT")

check("require 'socket' is LuaSocket", function()
  local socket = require "socket"
  assert(type(socket._VERSION) == "string" and socket._VERSION:match("^LuaSocket"),
         "require 'socket' gave " .. tostring(socket._VERSION))
  assert(socket.ERROR_CLOSED == nil, "require 'socket' gave lsock")
end)

-- Copas 1.x must be loaded before socket.http (it says so), as a copas
-- program would: so this check comes first.
check("a copas echo server answers a copas client", function()
  local socket, copas = require "socket", require "copas"
  local server = assert(socket.bind("127.0.0.1", 0))
  local _, port = server:getsockname()
  copas.addserver(server, function(c)
    local line = copas.receive(c, "*l")
    if line then copas.send(c, line .. "\n") end
    c:close()
  end)
  local reply, failure
  copas.addthread(function()
    local c = socket.tcp()
    local ok, err = copas.connect(c, "127.0.0.1", port)
    if not ok then failure = err return end
    copas.send(c, "ping through copas\n")
    reply, failure = copas.receive(c, "*l")
    c:close()
  end)
  local deadline = socket.gettime() + 5
  while reply == nil and failure == nil and socket.gettime() < deadline do copas.step(0.05) end
  server:close()
  assert(reply == "ping through copas", "reply " .. tostring(reply) .. ", error " .. tostring(failure))
end)

check("socket.http GETs from a local server", function()
  local http = require "socket.http"
  local body, code = http.request(("http://127.0.0.1:%d/hello.txt"):format(http_port))
  assert(code == 200, "status " .. tostring(code) .. " (" .. tostring(body) .. ")")
  assert(body == "hello from the install check\n", body)
end)

check("socket.ftp, socket.smtp, socket.url, ltn12 and mime load", function()
  assert(type((require "socket.ftp").get) == "function")
  assert(type((require "socket.smtp").send) == "function")
  assert(type((require "socket.url").parse) == "function")
  assert(type((require "ltn12").pump.all) == "function")
  assert(type((require "mime").b64) == "function")
end)

check("LuaSec wraps a LuaSocket socket and loads ssl.https", function()
  local socket, ssl = require "socket", require "ssl"
  assert(type((require "ssl.https").request) == "function")
  local tcp = assert(socket.tcp())
  local wrapped = assert(ssl.wrap(tcp, { mode = "client", protocol = "any" }))
  assert(tostring(wrapped):match("^SSL connection"), tostring(wrapped))
  wrapped:close()
end)

check("lsock.socket works in the same program, beside LuaSocket", function()
  local luasocket, socket = require "socket", require "lsock.socket"
  assert(socket ~= luasocket and socket.ERROR_CLOSED == "Connection closed")
  local c = assert(socket.tcp())
  c:settimeout(5)
  assert(c:connect("127.0.0.1", http_port))
  assert(c:write("GET /hello.txt HTTP/1.0\r\n\r\n"))
  local status = c:readuntil("\r\n")()
  assert(status and status:match("^HTTP/1%.%d 200"), tostring(status))
  c:close()
end)

check("sock and netsim are lsock's", function()
  assert((require "sock")._VERSION:match("^lsock%.sock "))
  assert((require "netsim")._VERSION:match("^lsock netsim "))
end)

check("one line makes require 'socket' lsock for a program that wants it", function()
  local luasocket = package.loaded.socket
  package.loaded.socket = require "lsock.socket"   -- the documented line
  local socket = require "socket"
  package.loaded.socket = luasocket
  assert(socket == require "lsock.socket" and socket.ERROR_CLOSED ~= nil)
end)

checks.finish()
