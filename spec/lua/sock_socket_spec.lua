-- What every sock socket has: constructors, type/family/protocol, close,
-- bind, setopt/getopt, getsockname/getpeername, garbage collection.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

describe("sock.tcp, sock.udp", function()

  it("make sockets that know their type, family and protocol", support.test(function(sock)
    local t = assert(sock.tcp())
    assert.equal("tcp", t:type())
    assert.equal("inet", t:family())
    assert.equal("tcp", t:protocol())
    local u = assert(sock.udp("inet6"))
    assert.equal("udp", u:type())
    assert.equal("inet6", u:family())
    assert.equal("udp", u:protocol())
    t:close()
    u:close()
  end))

  it("take a protocol name", support.test(function(sock)
    local t = assert(sock.tcp("inet", "tcp"))
    assert.equal("tcp", t:protocol())
    t:close()
  end))

  it("make unix sockets #unix", support.test(function(sock)
    local t = assert(sock.tcp("unix"))
    assert.equal("unix", t:family())
    t:close()
  end))

  it("open the OS socket at once and close it", support.test(function(sock)
    collectgarbage()
    local before = net.open_descriptors()
    local t = assert(sock.tcp())
    assert.equal(before + 1, net.open_descriptors())
    assert.is_true(t:close())
    assert.equal(before, net.open_descriptors())
  end))

  it("are closed by the garbage collector", support.test(function(sock)
    collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 100 do sock.udp() end
    collectgarbage()
    collectgarbage()
    assert.equal(before, net.open_descriptors())
  end))

  it("print as <sock.KIND: FD>", support.test(function(sock)
    local t = assert(sock.tcp())
    assert.matches("^<sock%.tcp: %d+>$", tostring(t))
    t:close()
    assert.equal("<sock.tcp: -1>", tostring(t))
    assert.matches("^<sock%.udp: %d+>$", tostring(assert(sock.udp())))
  end))

  it("raise on an unknown family or protocol", support.test(function(sock)
    support.raises(function() sock.tcp("ipx") end, "tcp", "ipx")
    support.raises(function() sock.udp("inet", "sctp") end, "udp", "sctp")
  end))
end)

describe("close", function()

  it("returns true, also the second time", support.test(function(sock)
    local t = assert(sock.tcp())
    assert.is_true(t:close())
    assert.is_true(t:close())
  end))

  it("makes every other method return nil, \"closed\"", support.test(function(sock)
    local t = assert(sock.tcp())
    local u = assert(sock.udp())
    t:close()
    u:close()
    local checks = {
      function() return t:bind(net.host, 0) end,
      function() return t:listen() end,
      function() return t:setopt("so_reuseaddr", true) end,
      function() return t:getopt("so_reuseaddr") end,
      function() return t:getsockname() end,
      function() return t:getpeername() end,
      function() return t:shutdown("rw") end,
      function() return u:connect(net.host, 9) end,
    }
    for i, f in ipairs(checks) do
      local ok, err = f()
      assert.is_nil(ok, "check " .. i)
      assert.equal("closed", err, "check " .. i)
    end
    local results = {}
    sock.newthread(function()
      local buf = sock.buffer(4)
      results.connect = { t:connect(net.host, 9) }
      results.accept = { t:accept() }
      results.send = { t:send("x") }
      results.recv = { t:recv(buf) }
      results.usend = { u:send("x", net.host, 9) }
      results.urecv = { u:recv(buf) }
    end)
    support.run(sock)
    for name, r in pairs(results) do
      assert.is_nil(r[1], name)
      assert.equal("closed", r[2], name)
    end
  end))
end)

describe("bind and getsockname", function()

  it("binds host, port and reports the address as an sa", support.test(function(sock)
    local u = assert(sock.udp())
    assert.is_true(u:bind(net.host, 0))
    local sa = assert(u:getsockname())
    assert.equal(net.host, sa:addr():tostring())
    assert.is_true(sa:port() > 0)
    assert.equal("inet", sa:family())
    u:close()
  end))

  it("binds an ai or an sa", support.test(function(sock)
    local a = assert(sock.udp())
    assert.is_true(a:bind(sock.addr(net.host, 0, "udp")))
    local b = assert(sock.udp())
    assert.is_true(b:bind(sock.addr(net.host, 0, "udp").addr))
    a:close()
    b:close()
  end))

  it("reports address_already_in_use with the OS code", support.test(function(sock)
    local a = assert(sock.tcp())
    assert(a:bind(net.host, 0))
    assert(a:listen())
    local b = assert(sock.tcp())
    local ok, err, code = b:bind(net.host, a:getsockname():port())
    assert.is_nil(ok)
    assert.equal("address_already_in_use", err)
    assert.is_number(code)
    a:close()
    b:close()
  end))

  it("getpeername of an unconnected socket is an error", support.test(function(sock)
    local u = assert(sock.udp())
    local ok, err, code = u:getpeername()
    assert.is_nil(ok)
    assert.is_string(err)
    assert.is_number(code)
    u:close()
  end))
end)

describe("setopt and getopt", function()

  it("set and read back boolean options", support.test(function(sock)
    local t = assert(sock.tcp())
    for _, name in ipairs({ "so_reuseaddr", "so_keepalive", "tcp_nodelay" }) do
      assert.is_true(t:setopt(name, true), name)
      assert.is_true(t:getopt(name), name)
      assert.is_true(t:setopt(name, false), name)
      assert.is_false(t:getopt(name), name)
    end
    t:close()
  end))

  it("set buffer sizes in bytes", support.test(function(sock)
    local u = assert(sock.udp())
    assert.is_true(u:setopt("so_rcvbuf", 65536))
    assert.is_true(u:getopt("so_rcvbuf") >= 65536)
    assert.is_true(u:setopt("so_sndbuf", 32768))
    assert.is_number(u:getopt("so_sndbuf"))
    u:close()
  end))

  it("set so_linger in seconds, or off with false", support.test(function(sock)
    local t = assert(sock.tcp())
    assert.is_false(t:getopt("so_linger"))
    assert.is_true(t:setopt("so_linger", 0))
    assert.equal(0, t:getopt("so_linger"))
    assert.is_true(t:setopt("so_linger", false))
    assert.is_false(t:getopt("so_linger"))
    t:close()
  end))

  it("read so_error as an OS code, 0 for none", support.test(function(sock)
    local t = assert(sock.tcp())
    assert.equal(0, t:getopt("so_error"))
    support.raises(function() t:setopt("so_error", 1) end, "setopt", "read-only")
    t:close()
  end))

  it("so_broadcast on UDP; tcp_nodelay is not for UDP", support.test(function(sock)
    local u = assert(sock.udp())
    assert.is_true(u:setopt("so_broadcast", true))
    assert.is_true(u:getopt("so_broadcast"))
    local ok, err = u:setopt("tcp_nodelay", true)
    assert.is_nil(ok)
    assert.is_string(err)
    u:close()
  end))

  it("raise on an unknown option or a bad value", support.test(function(sock)
    local t = assert(sock.tcp())
    support.raises(function() t:setopt("so_bogus", true) end, "setopt", "so_bogus")
    support.raises(function() t:getopt("so_bogus") end, "getopt", "so_bogus")
    support.raises(function() t:setopt("so_reuseaddr", "yes") end, "setopt", "boolean")
    support.raises(function() t:setopt("so_rcvbuf", -1) end, "setopt", "size")
    support.raises(function() t:setopt("so_linger", -3) end, "setopt", "seconds")
    t:close()
  end))
end)

describe("methods on a value that is not a sock socket", function()

  it("raise, naming the method", support.test(function(sock)
    local t = assert(sock.tcp())
    local u = assert(sock.udp())
    support.raises(function() t.close({}) end, "close")
    support.raises(function() t.bind("x") end, "bind")
    support.raises(function() t.listen(u) end, "listen")
    support.raises(function() u.recv(t, sock.buffer(1)) end, "recv")
    t:close()
    u:close()
  end))
end)
