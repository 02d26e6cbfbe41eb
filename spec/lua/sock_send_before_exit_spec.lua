-- A sock send that returned is the kernel's, even when no wait of the loop
-- comes after it: the loop stops (sock.start returns) and the process goes
-- on with something else, or the process exits from inside a sock thread.
-- On epoll the bytes went with the send(2); on io_uring the loop queues a
-- turn's sends for its next wait (docs/sock.md, "The poller"), so it must
-- hand them over at both moments. Each child Lua is bounded by timeout(1)
-- and the parent's reads by their timeouts.

local net = require "spec.support.net"
local LUA = require "spec.support.interpreter"

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- A child that connects to `port`, waits for "go" (so that the loop watches
-- its socket), sends "bye", then runs `after` (Lua source).
local function child_command(port, after)
  local script = ([[
    local sock = require "sock"
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(%q, %d))
      assert(c:recv(sock.buffer(10), nil, sock.clock() + 5))
      assert(c:send("bye"))
      KEEP = c
      %s
    end)
    sock.start(10)
    io.read("*a")  -- lives on until the parent closes our stdin
  ]]):format(net.host, port, after)
  return ("env LUA_PATH=%s LUA_CPATH=%s timeout 20 %s -e %s >/dev/null 2>&1"):format(quote(package.path),
    quote(package.cpath), LUA, quote(script))
end

-- Runs the child against a listener of the `socket` module; what the
-- child's socket delivered within 3 s after "go".
local function delivered(after)
  local socket = require "socket"
  local l = assert(socket.tcp())
  assert(l:bind(net.host, 0))
  assert(l:listen())
  local port = l:getsockname().port
  local child = assert(io.popen(child_command(port, after), "w"))
  l:settimeout(5)
  local c = assert(l:accept())
  l:close()
  c:settimeout(3)
  assert(c:write("go"))
  local got, err, partial = c:read(3)
  c:close()
  child:close()
  return got or partial, err
end

describe("sock sends with no wait after them #loopback #posix_shell", function()
  it("reach the peer when the loop stops and the process goes on with something else", function()
    assert.equal("bye", (delivered("")))
  end)

  it("reach the peer when the process exits from inside a sock thread right after the send", function()
    assert.equal("bye", (delivered("os.exit(0)")))
  end)
end)
