-- socket.getaddrinfo: results, filters, flags and failures.
-- No query leaves the machine: hosts are numeric or "localhost" (from
-- /etc/hosts), and the unknown-host case uses AI_NUMERICHOST.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

local function check_entry(socket, e)
  assert.is_table(e)
  assert.is_number(e.family)
  assert.is_number(e.socktype)
  assert.is_number(e.protocol)
  assert.is_string(e.addr)
  assert.is_number(e.port)
end

describe("socket.getaddrinfo", function()

  it("resolves a numeric IPv4 host to one family/addr/port per entry", net.test(function(socket)
    local list = assert(socket.getaddrinfo("127.0.0.1", 8080))
    assert.is_true(#list >= 1)
    for _, e in ipairs(list) do
      check_entry(socket, e)
      assert.equal(socket.AF_INET, e.family)
      assert.equal("127.0.0.1", e.addr)
      assert.equal(8080, e.port)
    end
  end))

  it("resolves ::1 with AF_INET6", net.test(function(socket)
    local list = assert(socket.getaddrinfo("::1", 443, socket.AF_INET6))
    assert.is_true(#list >= 1)
    for _, e in ipairs(list) do
      check_entry(socket, e)
      assert.equal(socket.AF_INET6, e.family)
      assert.equal("::1", e.addr)
      assert.equal(443, e.port)
    end
  end))

  it("filters by socktype and protocol", net.test(function(socket)
    local list = assert(socket.getaddrinfo("127.0.0.1", 53, socket.AF_INET, socket.SOCK_DGRAM))
    assert.is_true(#list >= 1)
    for _, e in ipairs(list) do
      assert.equal(socket.SOCK_DGRAM, e.socktype)
      assert.equal(socket.IPPROTO_UDP, e.protocol)
    end
    list = assert(socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET, 0, socket.IPPROTO_TCP))
    for _, e in ipairs(list) do
      assert.equal(socket.SOCK_STREAM, e.socktype)
      assert.equal(socket.IPPROTO_TCP, e.protocol)
    end
  end))

  it("without a socktype returns both stream and datagram entries", net.test(function(socket)
    local list = assert(socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET))
    local types = {}
    for _, e in ipairs(list) do types[e.socktype] = true end
    assert.is_true(types[socket.SOCK_STREAM])
    assert.is_true(types[socket.SOCK_DGRAM])
  end))

  it("resolves localhost from the hosts file", net.test(function(socket)
    local list = assert(socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM))
    local found = false
    for _, e in ipairs(list) do
      if e.addr == "127.0.0.1" then found = true end
    end
    assert.is_true(found)
  end))

  it("fills canonname with AI_CANONNAME", net.test(function(socket)
    local list = assert(socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM,
                                           0, socket.AI_CANONNAME))
    assert.is_string(list[1].canonname)
    assert.is_true(#list[1].canonname > 0)
  end))

  it("with AI_PASSIVE and no host gives the wildcard address", net.test(function(socket)
    local list = assert(socket.getaddrinfo(nil, 9000, socket.AF_INET, socket.SOCK_STREAM,
                                           0, socket.AI_PASSIVE))
    assert.equal("0.0.0.0", list[1].addr)
    assert.equal(9000, list[1].port)
  end))

  it("returns nil, err for a name under AI_NUMERICHOST (unknown host)", net.test(function(socket)
    local list, err = socket.getaddrinfo("no-such-host.invalid", 80, 0, 0, 0,
                                         socket.AI_NUMERICHOST)
    assert.is_nil(list)
    assert.is_string(err)
    assert.is_true(#err > 0)
  end))

  it("returns nil, err for a service name under AI_NUMERICSERV", net.test(function(socket)
    local list, err = socket.getaddrinfo("127.0.0.1", "http", 0, 0, 0,
                                         socket.AI_NUMERICSERV)
    assert.is_nil(list)
    assert.is_string(err)
  end))

  it("returns nil, err for an IPv6 literal asked as AF_INET", net.test(function(socket)
    local list, err = socket.getaddrinfo("::1", 80, socket.AF_INET, 0, 0, socket.AI_NUMERICHOST)
    assert.is_nil(list)
    assert.is_string(err)
  end))

  it("raises for a host that is not a string", net.test(function(socket)
    helpers.raises(function() socket.getaddrinfo({}, 80) end, "getaddrinfo", { "#1", "host" })
  end))

  it("raises for a family that is not a number", net.test(function(socket)
    helpers.raises(function() socket.getaddrinfo("127.0.0.1", 80, "inet?") end,
                   "getaddrinfo", { "#3", "family" })
  end))
end)
