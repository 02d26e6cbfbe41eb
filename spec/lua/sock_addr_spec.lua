-- sock.addr and its ai / sa / ip objects (docs/sock.md, "Addresses").

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

describe("sock.addr", function()

  it("resolves a numeric IPv4 host into an ai", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 8080, "tcp"))
    assert.equal("tcp", ai:type())
    assert.equal("inet", ai:family())
    assert.equal("tcp", ai:protocol())
    assert.equal("127.0.0.1:8080", ai:tostring())
    assert.equal("127.0.0.1:8080", tostring(ai))
    assert.is_nil(ai:next())
  end))

  it("gives the ai's address as an sa with family, port, tostring and addr", support.test(function(sock)
    local sa = assert(sock.addr("10.1.2.3", 53, "udp")).addr
    assert.equal("inet", sa:family())
    assert.equal(53, sa:port())
    assert.equal("10.1.2.3:53", sa:tostring())
    local ip = sa:addr()
    assert.equal("10.1.2.3", ip:tostring())
    assert.equal("\10\1\2\3", ip:tobinary())
  end))

  it("gives 16 bytes for an IPv6 address", support.test(function(sock)
    local ai = assert(sock.addr("::1", 443, "tcp", "inet6"))
    assert.equal("inet6", ai:family())
    local ip = ai.addr:addr()
    assert.equal("::1", ip:tostring())
    assert.equal(("\0"):rep(15) .. "\1", ip:tobinary())
    assert.equal(443, ai.addr:port())
  end))

  it("takes \"*\" and a missing host as all interfaces", support.test(function(sock)
    assert.equal("0.0.0.0", sock.addr("*", 0, "tcp").addr:addr():tostring())
    assert.equal("0.0.0.0", sock.addr(nil, nil, "tcp").addr:addr():tostring())
    assert.equal("::", sock.addr("*", 0, "tcp", "inet6").addr:addr():tostring())
  end))

  it("takes false as the loopback address", support.test(function(sock)
    assert.equal("127.0.0.1:7", sock.addr(false, 7, "udp"):tostring())
    assert.equal("::1", sock.addr(false, 7, "udp", "inet6").addr:addr():tostring())
  end))

  it("defaults the port to 0 (any)", support.test(function(sock)
    assert.equal(0, sock.addr("127.0.0.1", nil, "tcp").addr:port())
  end))

  it("passes an ai through unchanged", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 1, "tcp"))
    assert.equal(ai, sock.addr(ai))
  end))

  it("reports a name that does not resolve as not_found", support.test(function(sock)
    local ai, err = sock.addr("no-such-host.invalid", 80, "tcp")
    assert.is_nil(ai)
    assert.equal("not_found", err)
  end))

  it("refuses an IPv6 literal for an inet lookup", support.test(function(sock)
    local ai, err = sock.addr("::1", 80, "tcp", "inet")
    assert.is_nil(ai)
    assert.is_string(err)
  end))

  it("walks its entries with next() and addrs()", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 9, "tcp"))
    local seen = {}
    for entry in ai:addrs() do seen[#seen + 1] = entry:tostring() end
    assert.same({ "127.0.0.1:9" }, seen)
    local count, entry = 0, ai
    while entry do
      count = count + 1
      entry = entry:next()
    end
    assert.equal(1, count)
  end))

  -- The original sock's own test: for ai in sock.addr(...):addrs() do
  -- print(ai:tostring(), ai:type(), ai:family()) end.
  it("addrs() yields ai entries, each with its type, family, tostring and addr", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 9, "udp"))
    local count = 0
    for entry in ai:addrs() do
      count = count + 1
      assert.equal("udp", entry:type())
      assert.equal("inet", entry:family())
      assert.equal("udp", entry:protocol())
      assert.equal("127.0.0.1:9", entry:tostring())
      assert.equal("127.0.0.1:9", entry.addr:tostring())
      assert.is_nil(entry:next())
    end
    assert.equal(1, count)
  end))

  it("addrs() on a freed ai raises", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 9, "tcp"))
    ai:free()
    support.raises(function() for _ in ai:addrs() do end end, "freed")
  end))

  it("accepts flags as a table or a |-separated string", support.test(function(sock)
    assert(sock.addr("127.0.0.1", 80, "tcp", "inet", "tcp", "numerichost|numericserv"))
    assert(sock.addr("127.0.0.1", 80, "tcp", "inet", nil, { "numerichost", passive = true }))
    support.raises(function() sock.addr("127.0.0.1", 80, "tcp", "inet", nil, "bogus") end, "addr", "bogus")
  end))

  it("makes a unix address from a path", support.test(function(sock)
    local path = net.unix_path("addr")
    local ai = assert(sock.addr(path, nil, "tcp", "unix"))
    assert.equal("unix", ai:family())
    assert.equal(path, ai.addr:tostring())
    assert.is_nil(ai.addr:port())
    assert.is_nil(ai.addr:addr())
  end))

  it("compares sa and ip objects by value", support.test(function(sock)
    local a = sock.addr("127.0.0.1", 5, "tcp").addr
    local b = sock.addr("127.0.0.1", 5, "udp").addr
    assert.is_true(a == b)
    assert.is_true(a:addr() == b:addr())
    assert.is_false(a == sock.addr("127.0.0.1", 6, "tcp").addr)
  end))

  it("free() releases the ai; using it afterwards raises", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 80, "tcp"))
    ai:free()
    ai:free()  -- twice is fine
    support.raises(function() return ai:type() end, "type", "freed")
    support.raises(function() return ai.addr end, "freed")
  end))

  it("raises on bad arguments, naming the function", support.test(function(sock)
    support.raises(function() sock.addr("127.0.0.1", 80) end, "addr", "#3")
    support.raises(function() sock.addr("127.0.0.1", 80, "sctp") end, "addr", "sctp")
    support.raises(function() sock.addr("127.0.0.1", 80, "tcp", "ipx") end, "addr", "ipx")
    support.raises(function() sock.addr("127.0.0.1", 80, "tcp", "inet", "tcpx") end, "addr", "tcpx")
    support.raises(function() sock.addr("127.0.0.1", 70000, "tcp") end, "addr", "port")
    support.raises(function() sock.addr("127.0.0.1", -1, "tcp") end, "addr", "port")
    support.raises(function() sock.addr({}, 80, "tcp") end, "addr", "host")
    support.raises(function() sock.addr(true, 80, "tcp") end, "addr", "host")
  end))

  -- glibc names a numeric host after itself; the lookup answers numeric
  -- hosts without the resolver and used to drop the name.
  it("keeps the canonical name of a numeric host asked for with cannonname", support.test(function(sock)
    local ai = assert(sock.addr("123.124.125.126", 1234, "tcp", "inet", nil, { cannonname = true }))
    assert.equal("123.124.125.126", ai:name())
    assert.equal("123.124.125.126:1234", ai:tostring())
    assert.is_nil(assert(sock.addr("123.124.125.126", 1234, "tcp")):name())
    local v6 = assert(sock.addr("::1", 80, "tcp", "inet6", nil, "cannonname"))
    assert.equal("::1", v6:name())
  end))
end)

describe("sock.addr with the system resolver #loopback", function()

  it("resolves localhost with its canonical name", support.test(function(sock)
    local ai = assert(sock.addr("localhost", 80, "tcp", "inet", nil, "cannonname"))
    assert.equal("127.0.0.1:80", ai:tostring())
    assert.is_string(ai:name())
  end))

  it("takes a service name for the port", support.test(function(sock)
    assert.equal(80, assert(sock.addr("127.0.0.1", "http", "tcp")).addr:port())
  end))
end)

-- A name with several addresses, from the world's own name table: each
-- entry that addrs() yields is positioned at its own address.
describe("sock.addr over a name with several addresses #netsim", function()
  local netsim = require "netsim"

  local function multi_ai(start_at_second)
    local world = netsim.world { seed = 1 }
    local host = world:host("a", { "10.0.0.1" })
    assert(world:name("multi.test", { "10.0.0.5", "10.0.0.6", "fd00::7" }))
    local sock = host:sock()
    local ai = assert(sock.addr("multi.test", 80, "tcp", "inet"))
    if start_at_second then ai = ai:next() end
    return ai
  end

  it("addrs() yields one ai per address, in order, each at its entry", function()
    local seen = {}
    for entry in multi_ai():addrs() do
      seen[#seen + 1] = { entry:tostring(), entry:type(), entry:family(), entry.addr:port() }
    end
    assert.same({ { "10.0.0.5:80", "tcp", "inet", 80 }, { "10.0.0.6:80", "tcp", "inet", 80 } }, seen)
  end)

  it("addrs() starts at the ai it is called on", function()
    local seen = {}
    for entry in multi_ai(true):addrs() do seen[#seen + 1] = entry:tostring() end
    assert.same({ "10.0.0.6:80" }, seen)
  end)

  it("an entry from addrs() goes on with next() like the list itself", function()
    local iterate = multi_ai():addrs()
    local first = iterate()
    assert.equal("10.0.0.6:80", first:next():tostring())
  end)
end)
