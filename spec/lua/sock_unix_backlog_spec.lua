-- sock: a unix-stream connect to a listener whose backlog is full. The
-- kernel answers EAGAIN (Linux, non-blocking connect) and nothing on the
-- descriptor will say when a slot frees: the connect must retry on its own
-- after a short pause, bounded by `expires`, instead of waiting for events
-- that never come.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

-- A unix listener with backlog 0 and one connection it never accepts: the
-- backlog is full (Linux and the simulated kernel admit backlog + 1).
local function full_listener(sock)
  local path = net.unix_path("backlog")
  local l = assert(sock.tcp("unix"))
  assert(l:listen(0, path))
  local filler = assert(sock.tcp("unix"))
  sock.newthread(function() assert(filler:connect(path, sock.clock() + 5)) end)
  assert(sock.start(support.LIMIT))
  return l, path, filler
end

-- One thread accepts (the filler) after 0.2 s, another connects to the
-- full backlog with `expires` (nil: none); returns how long after the
-- accept the connect got in.
local function connect_after_accept(sock, expires)
  local l, path, filler = full_listener(sock)
  local accepted_at, connected_at
  sock.newthread(function()
    sock.sleep(0.2)
    local c = assert(l:accept(sock.clock() + 5))
    accepted_at = sock.clock()
    c:close()
  end)
  sock.newthread(function()
    local c = assert(sock.tcp("unix"))
    assert(c:connect(path, expires and sock.clock() + expires))
    connected_at = sock.clock()
    c:close()
  end)
  support.run(sock, 8)
  filler:close()
  l:close()
  assert.is_number(accepted_at)
  assert.is_number(connected_at)
  return connected_at - accepted_at
end

describe("a unix connect to a listener whose backlog is full #unix", function()

  it("succeeds soon after the listener accepts, without expires", support.test(function(sock)
    local late = connect_after_accept(sock, nil)
    assert.is_true(late < 0.5, "connected " .. late .. " s after the accept")
  end))

  it("succeeds soon after the listener accepts, long before expires", support.test(function(sock)
    local late = connect_after_accept(sock, 4)
    assert.is_true(late < 0.5, "connected " .. late .. " s after the accept (the deadline was 4 s)")
  end))

  it("fails with timeout at expires, not later, when nobody accepts", support.test(function(sock)
    local l, path, filler = full_listener(sock)
    local ok, err, elapsed
    sock.newthread(function()
      local c = assert(sock.tcp("unix"))
      local start = sock.clock()
      ok, err = c:connect(path, start + 0.3)
      elapsed = sock.clock() - start
      c:close()
    end)
    support.run(sock, 5)
    assert.is_nil(ok)
    assert.equal("timeout", err)
    assert.is_true(elapsed >= 0.3, "gave up after " .. elapsed .. " s, before its deadline")
    assert.is_true(elapsed < 0.3 + 0.6, "gave up after " .. elapsed .. " s, long after its deadline")
    filler:close()
    l:close()
  end))
end)
