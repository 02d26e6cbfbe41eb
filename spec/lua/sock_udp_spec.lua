-- sock UDP: send with an address or to the connected peer, recv with the
-- sender's address, datagram limits, expires.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

local function bound_udp(sock, family)
  local u = assert(sock.udp(family))
  assert(u:bind(family == "inet6" and net.host6 or net.host, 0))
  return u, u:getsockname():port()
end

describe("udp send and recv", function()

  it("carry a datagram and report its sender", support.test(function(sock)
    local a, a_port = bound_udp(sock)
    local b, b_port = bound_udp(sock)
    local got, from, sent
    sock.newthread(function()
      local buf = sock.buffer(100)
      local n, sa = assert(b:recv(buf))
      got, from = buf:tostring(n), sa
    end)
    sock.newthread(function()
      sent = a:send("hello", nil, net.host, b_port)
    end)
    support.run(sock)
    assert.equal(5, sent)
    assert.equal("hello", got)
    assert.equal(a_port, from:port())
    assert.equal(net.host, from:addr():tostring())
    a:close()
    b:close()
  end))

  it("send takes maxlen, an sa or an ai, and expires", support.test(function(sock)
    local a = bound_udp(sock)
    local b, b_port = bound_udp(sock)
    local got = {}
    sock.newthread(function()
      local buf = sock.buffer(100)
      for _ = 1, 3 do
        local n = assert(b:recv(buf, nil, sock.clock() + 5))
        got[#got + 1] = buf:tostring(n)
      end
    end)
    sock.newthread(function()
      local sa = sock.addr(net.host, b_port, "udp")
      assert.equal(3, a:send("one!", 3, net.host, b_port))
      assert.equal(3, a:send("two", sa.addr, sock.clock() + 5))
      assert.equal(5, a:send("three", nil, sa))
    end)
    support.run(sock)
    assert.same({ "one", "two", "three" }, got)
    a:close()
    b:close()
  end))

  it("send without an address goes to the connected peer", support.test(function(sock)
    local a = bound_udp(sock)
    local b, b_port = bound_udp(sock)
    assert.is_true(a:connect(net.host, b_port))
    local got
    sock.newthread(function()
      local buf = sock.buffer(10)
      local n = assert(b:recv(buf))
      got = buf:tostring(n)
    end)
    sock.newthread(function()
      assert.equal(2, a:send("hi"))
    end)
    support.run(sock)
    assert.equal("hi", got)
    a:close()
    b:close()
  end))

  it("two sends in one turn on a connected socket the loop watches stay two datagrams", support.test(function(sock)
    -- On io_uring the loop sends a watched stream socket's bytes through
    -- the ring, joining a turn's sends: a datagram socket must not be.
    local a, a_port = bound_udp(sock)
    local b, b_port = bound_udp(sock)
    assert.is_true(a:connect(net.host, b_port))
    local got, answer = {}, nil
    sock.newthread(function()
      local buf = sock.buffer(100)
      local n = assert(a:recv(buf, nil, sock.clock() + 5))  -- the loop watches `a` meanwhile
      answer = buf:tostring(n)
    end)
    sock.newthread(function()
      sock.sleep(0.05)
      assert.equal(3, a:send("one"))
      assert.equal(3, a:send("two"))
    end)
    sock.newthread(function()
      local buf = sock.buffer(100)
      for _ = 1, 2 do
        local n = assert(b:recv(buf, nil, sock.clock() + 5))
        got[#got + 1] = buf:tostring(n)
      end
      assert(b:send("done", nil, net.host, a_port))
    end)
    support.run(sock)
    assert.same({ "one", "two" }, got)
    assert.equal("done", answer)
    a:close()
    b:close()
  end))

  it("send without an address on an unconnected socket is an error with its code", support.test(function(sock)
    local a = bound_udp(sock)
    local r
    sock.newthread(function() r = { a:send("x") } end)
    support.run(sock)
    assert.is_nil(r[1])
    assert.is_string(r[2])
    assert.is_number(r[3])
    a:close()
  end))

  it("echo through the udp_echo peer", support.test(function(sock)
    local host, port = net.peer("udp_echo")
    local u = assert(sock.udp())
    local got, from
    sock.newthread(function()
      assert(u:send("marco", nil, host, port))
      local buf = sock.buffer(64)
      local n, sa = assert(u:recv(buf, nil, sock.clock() + 5))
      got, from = buf:tostring(n), sa
    end)
    support.run(sock)
    assert.equal("marco", got)
    assert.equal(port, from:port())
    u:close()
  end))

  it("recv cuts a datagram to maxlen", support.test(function(sock)
    local a = bound_udp(sock)
    local b, b_port = bound_udp(sock)
    local n
    sock.newthread(function() n = assert(b:recv(sock.buffer(100), 4)) end)
    sock.newthread(function() assert(a:send("0123456789", nil, net.host, b_port)) end)
    support.run(sock)
    assert.equal(4, n)
    a:close()
    b:close()
  end))

  it("a datagram over the limit is \"Message too long\"", support.test(function(sock)
    local a = bound_udp(sock)
    local r
    sock.newthread(function() r = { a:send(("x"):rep(70000), nil, net.host, 9) } end)
    support.run(sock)
    assert.is_nil(r[1])
    assert.equal("Message too long", r[2])
    assert.is_number(r[3])
    a:close()
  end))

  it("recv past its deadline returns nil, \"timeout\" and closes the socket", support.test(function(sock)
    local a = bound_udp(sock)
    local r
    sock.newthread(function() r = { a:recv(sock.buffer(10), nil, sock.clock() + 0.05) } end)
    support.run(sock)
    assert.is_nil(r[1])
    assert.equal("timeout", r[2])
    assert.equal("<sock.udp: -1>", tostring(a))
  end))

  it("works over IPv6", support.test(function(sock)
    local a = bound_udp(sock, "inet6")
    local b, b_port = bound_udp(sock, "inet6")
    local got
    sock.newthread(function()
      local buf = sock.buffer(10)
      local n, sa = assert(b:recv(buf))
      assert.equal("inet6", sa:family())
      got = buf:tostring(n)
    end)
    sock.newthread(function() assert(a:send("v6", nil, net.host6, b_port)) end)
    support.run(sock)
    assert.equal("v6", got)
    a:close()
    b:close()
  end))

  it("raises on bad arguments", support.test(function(sock)
    local u = assert(sock.udp())
    local n = 0
    sock.newthread(function()
      support.raises(function() u:send({}) end, "send", "string or sock.buffer")
      support.raises(function() u:send("x", 2) end, "send", "length")
      support.raises(function() u:send("x", nil, net.host, true) end, "send", "port")
      support.raises(function() u:recv(sock.buffer(3), 4) end, "recv", "length")
      support.raises(function() u:connect(net.host, -2) end, "connect", "port")
      n = 5
    end)
    support.run(sock)
    assert.equal(5, n)
    u:close()
  end))
end)
