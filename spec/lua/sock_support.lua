-- Shared by the sock_*_spec files: a test body gets a fresh `sock` module of
-- the kernel under test (net.sock) and its `socket` module; a thread that
-- fails fails the test; loops are bounded in time. Kernel-independent.

local net = require "spec.support.net"

local M = {}

-- Seconds a spec's loop may run before it counts as hung.
M.LIMIT = 10

-- it("...", support.test(function(sock, socket, failures) ... end)):
-- failures collects what the threads raised (with tracebacks); the test
-- fails when any is left at the end, unless the body took them out.
-- busted's `pending` lives in the spec files' environment, not in this
-- module's: take it from the body's own _ENV.
-- module's: take it from the _ENV of the spec's function that called test().
local function pending_of(f)
  for i = 1, math.huge do
    local name, value = debug.getupvalue(f, i)
    if not name then return nil end
    if name == "_ENV" then return value.pending end
  end
end

function M.test(body)
  if not net.has_sock() then
    local caller = debug.getinfo(2, "f").func
    return function()
      local pending = pending_of(body) or pending_of(caller) or error
      pending("the " .. net.kernel .. " kernel does not hand out a sock module yet")
    end
  end
  return net.test(function(socket)
    local sock = net.sock()
    local failures = {}
    sock.onerror(function(message) failures[#failures + 1] = message end)
    body(sock, socket, failures)
    assert(#failures == 0, "a sock thread failed:\n" .. table.concat(failures, "\n"))
  end)
end

-- Runs the loop until every thread is done; fails if any still waits.
function M.run(sock, limit)
  local ok, err = sock.start(limit or M.LIMIT)
  assert(ok, "sock.start ended with " .. tostring(err) .. ": some thread still waits")
end

-- A listening TCP socket on the test host; returns it and its port.
function M.listener(sock, family)
  local s = assert(sock.tcp(family))
  assert(s:listen(family == "inet6" and net.host6 or net.host, 0))
  return s, s:getsockname():port()
end

-- An echo server on `listener`: accepts `connections` connections, then
-- closes the listener; each connection, in a thread of its own, is sent
-- back what it sends and then closed. `echo(c, buf)` does the sending back.
-- Returns a table whose `served` counts the connections done so far.
local function echo_server(sock, listener, connections, echo)
  local server = { served = 0 }
  sock.newthread(function()
    for _ = 1, connections do
      local c = assert(listener:accept())
      sock.newthread(function()
        echo(c, sock.buffer(65536))
        c:close()
        server.served = server.served + 1
      end)
    end
    listener:close()
  end)
  return server
end

-- echo_server: what the first receive brought, and no more.
function M.echo_once_server(sock, listener, connections)
  return echo_server(sock, listener, connections, function(c, buf)
    assert(c:send(buf, assert(c:recv(buf))))
  end)
end

-- echo_server: everything, until the peer's FIN.
function M.echo_until_fin_server(sock, listener, connections)
  return echo_server(sock, listener, connections, function(c, buf)
    while true do
      local n = c:recv(buf)
      if not n then return end
      assert(c:send(buf, n))
    end
  end)
end

-- Reads from `s` into a fresh buffer until the peer's FIN (or `limit`
-- bytes); returns everything and the final error.
function M.read_all(sock, s, limit, expires)
  local buf = sock.buffer(65536)
  local parts, total = {}, 0
  while not limit or total < limit do
    local n, err = s:recv(buf, nil, expires)
    if not n then return table.concat(parts), err end
    parts[#parts + 1] = buf:tostring(n)
    total = total + n
  end
  return table.concat(parts)
end

-- Asserts that f() raises an error that names `fname` (and `arg`).
function M.raises(f, fname, arg)
  local ok, err = pcall(f)
  assert(not ok, "expected a raised error naming " .. fname)
  local msg = tostring(err)
  assert(msg:find(fname, 1, true), "error does not name '" .. fname .. "': " .. msg)
  if arg then assert(msg:find(arg, 1, true), "error does not name '" .. arg .. "': " .. msg) end
  return msg
end

return M
