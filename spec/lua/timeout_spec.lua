-- Timeout modes: blocking (nil/negative), non-blocking (0), bounded (> 0).
-- A bound is for one whole call, not for each system call inside it.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

-- Generous upper bounds: a loaded machine may be slow, but a call that
-- waited per system call (or forever) still overshoots them by far.
local SLACK = 0.6

describe("settimeout and gettimeout", function()

  for _, kind in ipairs({ "tcp", "udp" }) do
    it(kind .. " sockets start blocking: gettimeout() is -1", net.test(function(socket)
      local s = assert(socket[kind]("inet"))
      assert.equal(-1, s:gettimeout())
      s:close()
    end))

    it(kind .. " gettimeout returns what settimeout set", net.test(function(socket)
      local s = assert(socket[kind]("inet"))
      s:settimeout(0)
      assert.equal(0, s:gettimeout())
      s:settimeout(0.25)
      assert.equal(0.25, s:gettimeout())
      s:settimeout(nil)
      assert.equal(-1, s:gettimeout())
      s:settimeout(3)
      s:settimeout(-5)
      assert.equal(-1, s:gettimeout())
      s:close()
    end))
  end
end)

describe("blocking mode", function()

  it("read waits for all of a slow sender's bytes", net.test(function(socket)
    -- Blocking has no bound of its own: the peer's lifetime is the bound.
    local c = helpers.connect_peer(socket, "drip",
                                   { payload = "hello", delay = 0.05, after = "hold", lifetime = 10 })
    c:settimeout(nil)
    assert.equal(-1, c:gettimeout())
    local took, data, err = net.timed(c.read, c, 5)
    assert.is_nil(err)
    assert.equal("hello", data)
    assert.is_true(took >= 0.15, "took " .. took)
    c:close()
  end))
end)

describe("timeout 0 (non-blocking)", function()

  it("read with no data returns nil, ERROR_TIMEOUT, \"\" at once", net.test(function(socket)
    local c = helpers.connect_peer(socket, "silent")
    c:settimeout(0)
    local took, data, err, partial = net.timed(c.read, c, 10)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.equal("", partial)
    assert.is_true(took < 0.1, "took " .. took)
    c:close()
  end))

  it("readany with no data returns nil, ERROR_TIMEOUT at once", net.test(function(socket)
    local c = helpers.connect_peer(socket, "silent")
    c:settimeout(0)
    local took, data, err = net.timed(c.readany, c, 10)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.1, "took " .. took)
    c:close()
  end))

  it("accept with no pending connection returns nil, ERROR_TIMEOUT at once", net.test(function(socket)
    local srv = assert(socket.tcp("inet"))
    assert(srv:bind(net.host, 0))
    assert(srv:listen(4))
    srv:settimeout(0)
    local took, conn, err = net.timed(srv.accept, srv)
    assert.is_nil(conn)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.1, "took " .. took)
    srv:close()
  end))

  it("read returns what has arrived, then nil, ERROR_TIMEOUT, partial", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    b:write("abc")
    net.sleep(0.1)
    a:settimeout(0)
    local data, err, partial = a:read(10)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.equal("abc", partial)
    a:close(); b:close()
  end))

  it("write to a peer that does not read stops with nil, ERROR_TIMEOUT, sent", net.test(function(socket)
    local c = helpers.connect_peer(socket, "silent")
    c:settimeout(0)
    local big = string.rep("x", 32 * 1024 * 1024)
    local took, n, err, sent = net.timed(c.write, c, big)
    assert.is_nil(n)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_number(sent)
    assert.is_true(sent >= 0 and sent < #big, "sent " .. tostring(sent))
    assert.is_true(took < 1, "took " .. took)
    c:close()
  end))

  it("udp recv with no datagram returns nil, ERROR_TIMEOUT at once", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    assert(u:bind(net.host, 0))
    u:settimeout(0)
    local took, data, err = net.timed(u.recv, u, 100)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.1)
    u:close()
  end))
end)

describe("timeout > 0", function()

  it("read from a silent peer returns nil, ERROR_TIMEOUT, \"\" after the timeout", net.test(function(socket)
    local c = helpers.connect_peer(socket, "silent")
    c:settimeout(0.3)
    local took, data, err, partial = net.timed(c.read, c, 1)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.equal("", partial)
    assert.is_true(took >= 0.25, "took " .. took)
    assert.is_true(took < 0.3 + SLACK, "took " .. took)
    c:close()
  end))

  it("bounds the whole read, not each recv, against a slow sender", net.test(function(socket)
    -- 20 bytes, one every 0.05 s: about 1 s in all, but each single recv
    -- waits only 0.05 s. A per-syscall timeout would never fire.
    local payload = net.filler(20)
    local c = helpers.connect_peer(socket, "drip",
                                   { payload = "@20", chunk = 1, delay = 0.05, after = "hold" })
    c:settimeout(0.3)
    local took, data, err, partial = net.timed(c.read, c, 20)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.3 + SLACK, "took " .. took)
    assert.is_string(partial)
    assert.is_true(#partial >= 1 and #partial < 20, "partial of " .. #partial .. " bytes")
    assert.equal(payload:sub(1, #partial), partial)
    -- The partial bytes were handed over (consumed): the rest follows.
    c:settimeout(5)
    assert.equal(payload:sub(#partial + 1), c:read(20 - #partial))
    c:close()
  end))

  it("bounds the whole readuntil call against a slow sender", net.test(function(socket)
    local c = helpers.connect_peer(socket, "drip",
                                   { payload = "@20", chunk = 1, delay = 0.05, after = "hold" })
    c:settimeout(0.3)
    local next_line = c:readuntil("\n")
    local took, line, err, partial = net.timed(next_line)
    assert.is_nil(line)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.3 + SLACK, "took " .. took)
    assert.is_string(partial)
    c:close()
  end))

  it("readany returns early with what a slow sender has sent", net.test(function(socket)
    local c = helpers.connect_peer(socket, "drip",
                                   { payload = "@20", chunk = 1, delay = 0.05, after = "hold" })
    c:settimeout(2)
    local took, data = net.timed(c.readany, c, 100)
    assert.is_string(data)
    assert.is_true(#data >= 1 and #data < 20)
    assert.is_true(took < 0.5, "took " .. took)
    c:close()
  end))

  it("readany from a silent peer returns nil, ERROR_TIMEOUT after the timeout", net.test(function(socket)
    local c = helpers.connect_peer(socket, "silent")
    c:settimeout(0.2)
    local took, data, err = net.timed(c.readany, c, 100)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.15 and took < 0.2 + SLACK, "took " .. took)
    c:close()
  end))

  it("bounds a write that fills the peer's buffers", net.test(function(socket)
    local c = helpers.connect_peer(socket, "silent")
    c:settimeout(0.3)
    local big = string.rep("x", 32 * 1024 * 1024)
    local took, n, err, sent = net.timed(c.write, c, big)
    assert.is_nil(n)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(sent > 0 and sent < #big, "sent " .. tostring(sent))
    assert.is_true(took >= 0.25 and took < 0.3 + SLACK, "took " .. took)
    c:close()
  end))

  it("accept returns nil, ERROR_TIMEOUT after the timeout", net.test(function(socket)
    local srv = assert(socket.tcp("inet"))
    assert(srv:bind(net.host, 0))
    assert(srv:listen(4))
    srv:settimeout(0.2)
    local took, conn, err = net.timed(srv.accept, srv)
    assert.is_nil(conn)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.15 and took < 0.2 + SLACK, "took " .. took)
    srv:close()
  end))

  it("udp recv returns nil, ERROR_TIMEOUT after the timeout", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    assert(u:bind(net.host, 0))
    u:settimeout(0.2)
    local took, data, err = net.timed(u.recvfrom, u, 100)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.15 and took < 0.2 + SLACK, "took " .. took)
    u:close()
  end))
end)

describe("accepted sockets", function()

  for _, t in ipairs({ 0.25, 0, -1 }) do
    it("inherit the listener's timeout " .. t, net.test(function(socket)
      local srv = assert(socket.tcp("inet"))
      assert(srv:bind(net.host, 0))
      assert(srv:listen(4))
      srv:settimeout(t)
      local c = assert(socket.tcp())
      assert(c:connect(net.host, srv:getsockname()[2]))
      local conn
      for _ = 1, 100 do   -- timeout 0: the connection may need a moment
        conn = srv:accept()
        if conn then break end
        net.sleep(0.01)
      end
      assert.is_truthy(conn)
      assert.equal(t, conn:gettimeout())
      if t > 0 then
        local took, data, err = net.timed(conn.read, conn, 1)
        assert.equal(socket.ERROR_TIMEOUT, err)
        assert.is_true(took >= 0.2 and took < t + SLACK, "took " .. took)
      end
      conn:close(); c:close(); srv:close()
    end))
  end
end)
