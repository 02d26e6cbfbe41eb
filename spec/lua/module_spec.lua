-- socket module: constants, error strings, and the tcp/udp constructors.

local net = require "spec.support.net"

describe("socket module constants", function()

  it("exports the three fixed error strings", net.test(function(socket)
    assert.equal("Operation timed out", socket.ERROR_TIMEOUT)
    assert.equal("Connection closed", socket.ERROR_CLOSED)
    assert.equal("Connection refused", socket.ERROR_REFUSED)
  end))

  it("exports the option names as strings", net.test(function(socket)
    assert.equal("tcp_nodelay", socket.OPT_TCP_NODELAY)
    assert.equal("tcp_keepalive", socket.OPT_TCP_KEEPALIVE)
    assert.equal("tcp_reuseaddr", socket.OPT_TCP_REUSEADDR)
  end))

  it("exports three distinct numeric SHUT_ constants", net.test(function(socket)
    assert.is_number(socket.SHUT_RD)
    assert.is_number(socket.SHUT_WR)
    assert.is_number(socket.SHUT_RDWR)
    assert.are_not.equal(socket.SHUT_RD, socket.SHUT_WR)
    assert.are_not.equal(socket.SHUT_RD, socket.SHUT_RDWR)
    assert.are_not.equal(socket.SHUT_WR, socket.SHUT_RDWR)
  end))

  it("exports a non-empty _VERSION string", net.test(function(socket)
    assert.is_string(socket._VERSION)
    assert.is_true(#socket._VERSION > 0)
  end))

  it("names the version of the VERSION file in _VERSION", net.test(function(socket)
    local root = debug.getinfo(1, "S").source:match("^@(.*)spec/lua/module_spec%.lua$") or ""
    local file = assert(io.open((root == "" and "./" or root) .. "VERSION"))
    local version = file:read("*l")
    file:close()
    assert.equal("lsock " .. version, socket._VERSION)
  end))

  it("exports the getaddrinfo constants as distinct numbers", net.test(function(socket)
    local groups = {
      { "AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC" },
      { "SOCK_STREAM", "SOCK_DGRAM" },
      { "IPPROTO_TCP", "IPPROTO_UDP" },
      { "AI_PASSIVE", "AI_CANONNAME", "AI_NUMERICHOST", "AI_NUMERICSERV" },
    }
    for _, group in ipairs(groups) do
      local seen = {}
      for _, name in ipairs(group) do
        local v = socket[name]
        assert.is_number(v, name)
        assert.is_nil(seen[v], name .. " has the same value as " .. tostring(seen[v]))
        seen[v] = name
      end
    end
    -- getaddrinfo's family argument defaults to 0, which must mean "any".
    assert.equal(0, socket.AF_UNSPEC)
  end))
end)

describe("socket.tcp and socket.udp", function()

  it("tcp() returns a tcpsock", net.test(function(socket)
    local s = assert(socket.tcp())
    assert.matches("^<tcpsock: %-?%d+>$", tostring(s))
    s:close()
  end))

  it("udp() returns a udpsock", net.test(function(socket)
    local s = assert(socket.udp())
    assert.matches("^<udpsock: %-?%d+>$", tostring(s))
    s:close()
  end))

  for _, kind in ipairs({ "tcp", "udp" }) do
    for _, family in ipairs({ "inet", "inet6", "unix" }) do
      -- #unix: AF_UNIX, which Wine 8 lacks (spec/lua/README.md).
      local tag = family == "unix" and " #unix" or ""
      it(kind .. "(\"" .. family .. "\") makes the OS socket at once" .. tag, net.test(function(socket)
        collectgarbage()
        local before = net.open_descriptors()
        local s = assert(socket[kind](family))
        assert.equal(before + 1, net.open_descriptors())
        assert.is_true(s:fileno() >= 0)
        assert.equal("<" .. kind .. "sock: " .. s:fileno() .. ">", tostring(s))
        s:close()
        assert.equal(before, net.open_descriptors())
      end))
    end

    it(kind .. "() without a family holds no descriptor until used", net.test(function(socket)
      collectgarbage()
      local before = net.open_descriptors()
      local s = assert(socket[kind]())
      assert.equal(before, net.open_descriptors())
      s:close()
    end))
  end

  it("tcp() without a family makes an inet socket at bind", net.test(function(socket)
    collectgarbage()
    local before = net.open_descriptors()
    local s = assert(socket.tcp())
    assert.is_true(s:bind(net.host, 0))
    assert.equal(before + 1, net.open_descriptors())
    assert.is_true(s:fileno() >= 0)
    assert.equal(net.host, s:getsockname()[1])
    s:close()
  end))

  it("tcp() without a family makes an inet6 socket at connect to ::1", net.test(function(socket)
    local host, port = net.peer("echo", { ipv6 = true })
    local s = assert(socket.tcp())
    assert.is_true(s:connect(host, port))
    assert.equal("::1", s:getsockname()[1])
    assert.equal(port, s:getpeername()[2])
    s:close()
  end))

  it("udp() without a family makes its socket at the first sendto", net.test(function(socket)
    local host, port = net.peer("udp_echo")
    collectgarbage()
    local before = net.open_descriptors()
    local s = assert(socket.udp())
    assert.equal(before, net.open_descriptors())
    assert.is_true(s:sendto("first", host, port))
    assert.equal(before + 1, net.open_descriptors())
    s:settimeout(5)
    assert.equal("first", s:recv(100))
    s:close()
  end))

  it("an unknown family string is a raised error naming the argument", net.test(function(socket)
    local helpers = require "spec.support.helpers"
    helpers.raises(function() socket.tcp("ipx") end, "tcp", { "#1", "family" })
    helpers.raises(function() socket.udp("ipx") end, "udp", { "#1", "family" })
  end))
end)
