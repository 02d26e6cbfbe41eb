-- Small helpers shared by the specs; kernel-independent (they only use the
-- `socket` module they are given and spec/support/net.lua).

local net = require "spec.support.net"

local helpers = {}

local function contains(haystack, needle)
  return haystack:find(needle, 1, true) ~= nil
end

-- Asserts that f() raises an error (a programming error, not a returned
-- nil, err) whose message names the function `fname` and the argument:
-- `arg` is a string or an array of acceptable spellings ("#1", "size",
-- "self"), like luaL_argerror's "bad argument #1 to 'read' (...)".
function helpers.raises(f, fname, arg)
  local ok, err = pcall(f)
  assert(not ok, "expected a raised error naming '" .. fname .. "', got a return")
  local msg = tostring(err)
  assert(contains(msg, fname),
         "error does not name the function '" .. fname .. "': " .. msg)
  if arg then
    local spellings = type(arg) == "table" and arg or { arg }
    local named = false
    for _, s in ipairs(spellings) do
      if contains(msg, s) then named = true end
    end
    assert(named, "error does not name the argument (" .. table.concat(spellings, " or ")
           .. "): " .. msg)
  end
  return msg
end

-- Specs bound every wait: sockets from these helpers start with this
-- timeout (a test of another mode sets its own).
helpers.TIMEOUT = 5

-- A connected TCP pair through a listener of our own: client, server side.
function helpers.tcp_pair(socket, family)
  family = family or "inet"
  local host = family == "inet6" and net.host6 or net.host
  local srv = assert(socket.tcp(family))
  assert(srv:bind(host, 0))
  assert(srv:listen(8))
  local port = assert(srv:getsockname())[2]
  local client = assert(socket.tcp())
  assert(client:connect(host, port))
  srv:settimeout(helpers.TIMEOUT)
  local server = assert(srv:accept())
  srv:close()
  client:settimeout(helpers.TIMEOUT)
  server:settimeout(helpers.TIMEOUT)
  return client, server
end

-- A client connected to a mock peer started with net.peer(name, opts).
function helpers.connect_peer(socket, name, opts)
  local host, port = net.peer(name, opts)
  local c = assert(socket.tcp())
  c:settimeout(helpers.TIMEOUT)
  local ok, err = c:connect(host, port)
  assert(ok, "connect to peer " .. name .. ": " .. tostring(err))
  return c, host, port
end

-- A port on which nothing listens (bound, then released: the kernel does
-- not hand it out again at once).
function helpers.closed_port(socket, family)
  local s = assert(socket.tcp(family or "inet"))
  assert(s:bind(family == "inet6" and net.host6 or net.host, 0))
  local port = assert(s:getsockname())[2]
  s:close()
  return port
end

-- Reads until the peer closes; returns everything and the final error.
function helpers.read_to_end(sock, max_calls)
  local parts = {}
  for _ = 1, max_calls or 100000 do
    local data, err = sock:readany(65536)
    if not data then return table.concat(parts), err end
    parts[#parts + 1] = data
  end
  error("read_to_end: the peer did not close")
end

-- The errno number sock reports with "timeout" (docs/sock.md: the OS's own
-- number): ETIMEDOUT is 110 on Linux, 138 in the Windows C runtime.
helpers.ETIMEDOUT = package.config:sub(1, 1) == "\\" and 138 or 110

return helpers
