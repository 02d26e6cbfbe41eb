-- Numbers across Lua versions (docs/build.md, "Integers"): on 5.3 and 5.4
-- the counts the modules give back (fileno, ports, sizes, #buf) are of the
-- integer subtype, a size with a fraction is an argument error, and a
-- float port with a whole value (80.0, which arithmetic gives) is the port.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"
local sock = require "sock"

-- math.type exists from 5.3 on; 5.2 has one number type.
local has_integers = math.type ~= nil

describe("ports as numbers", function()

  -- Lua's own number-to-string conversion wrote 80.0 as "80.0", which
  -- getaddrinfo refused ("ai_socktype not supported") on 5.3 and 5.4.
  it("a float port with a whole value binds, listens and connects", net.test(function(socket)
    local srv = assert(socket.tcp())
    assert(srv:bind(net.host, 0.0))
    assert(srv:listen(4))
    local port = assert(srv:getsockname())[2]
    local c = assert(socket.tcp())
    c:settimeout(helpers.TIMEOUT)
    assert(c:connect(net.host, port + 0.0))
    srv:settimeout(helpers.TIMEOUT)
    local s = assert(srv:accept())
    assert.equal(3, c:write("abc"))
    s:settimeout(helpers.TIMEOUT)
    assert.equal("abc", s:read(3))
    c:close(); s:close(); srv:close()
  end))

  it("a port with a fraction is an argument error, not a lookup failure", net.test(function(socket)
    local c = assert(socket.tcp())
    local msg = helpers.raises(function() return c:connect(net.host, 1.5) end, "connect", "#2")
    assert.matches("port must be a whole number", msg, 1, true)
    local u = assert(socket.udp())
    helpers.raises(function() return u:sendto("x", net.host, 0 / 0) end, "sendto", "#3")
    c:close(); u:close()
  end))
end)

if has_integers then
  describe("integer results on " .. _VERSION, function()

    it("fileno, ports, write counts and read counts are integers", net.test(function(socket)
      local a, b = helpers.tcp_pair(socket)
      assert.equal("integer", math.type(a:fileno()))
      assert.equal("integer", math.type(assert(a:getsockname())[2]))
      assert.equal("integer", math.type(assert(a:getpeername()).port))
      assert.equal("integer", math.type(a:write("hello")))
      assert.equal("hello", b:read(5))
      a:close(); b:close()
    end))

    it("#buf and a buffer's size are integers", function()
      local buf = sock.buffer(16)
      assert.equal(16, #buf)
      assert.equal("integer", math.type(#buf))
    end)

    it("a size with a fraction is an argument error; a whole float is the size", net.test(function(socket)
      local a, b = helpers.tcp_pair(socket)
      assert.equal(4, a:write("abcd"))
      for _, call in ipairs({
        { "read", function() return b:read(1.5) end },
        { "readany", function() return b:readany(2.5) end },
        { "buffer", function() return sock.buffer(1.5) end },
      }) do
        assert.matches("no integer representation", helpers.raises(call[2], call[1], "#1"), 1, true)
      end
      -- Nothing was consumed by the refused calls.
      assert.equal("ab", b:read(2.0))
      assert.equal("cd", b:read(2))
      a:close(); b:close()
    end))
  end)
end
