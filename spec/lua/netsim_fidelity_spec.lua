-- Where the simulated kernel answers as Linux does in the cases a program
-- notices (platform/sim/README.md, "What is modelled"): an address nobody
-- owns (ICMP host unreachable, no route), a datagram to a closed port (ICMP
-- port unreachable), the close handshake (FIN, RST with unread data, the
-- orphan's FIN_WAIT2 timeout), and TCP keepalive.
--
-- The describe blocks tagged #netsim build their own worlds and run once, with
-- the sim kernel; the others run through spec/support/net.lua on both kernels
-- (loopback and simulated), because Linux's loopback shows the same thing.
local netsim = require "netsim"
local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

-- A world with hosts a (10.0.0.1) and b (10.0.0.2), 10 ms apart.
local function two_hosts(seed)
  local world = netsim.world { seed = seed or 1 }
  local a = world:host("a", { "10.0.0.1", "fd00::1" })
  local b = world:host("b", { "10.0.0.2", "fd00::2" })
  world:link(a, b, { latency = 0.01 })
  return world, a, b
end

-- Runs fn(socket) as the only thread of host a and returns what it returned.
local function on_a(world, a, fn)
  local result
  a:spawn(function(socket) result = table.pack(fn(socket)) end)
  world:run()
  return table.unpack(result, 1, result.n)
end

-- How many trace lines of `kind` the world's run left.
local function count_lines(world, kind)
  local n = 0
  for line in world:trace():gmatch("[^\n]+") do
    if line:find(" " .. kind .. " ", 1, true) then n = n + 1 end
  end
  return n
end

describe("netsim fidelity: an address nobody owns #netsim", function()

  it("connect to an unowned address on the world's network fails with EHOSTUNREACH after the 3 s neighbour timeout", function()
    local world, a = two_hosts(1)
    local err, took = on_a(world, a, function(socket)
      local c = socket.tcp()
      c:settimeout(60)
      local t0 = world:now()
      local ok, e = c:connect("10.0.0.99", 80)
      assert.is_nil(ok)
      c:close()
      return e, world:now() - t0
    end)
    assert.equal("No route to host", err)
    assert.is_true(took >= 3 and took < 3.01, "took " .. took)
    assert.equal(1, count_lines(world, "tcp-unreachable"))
  end)

  it("connect to an unowned IPv6 address on the world's /64 fails the same way", function()
    local world, a = two_hosts(2)
    local err = on_a(world, a, function(socket)
      local c = socket.tcp("inet6")
      c:settimeout(60)
      local _, e = c:connect("fd00::99", 80)
      c:close()
      return e
    end)
    assert.equal("No route to host", err)
  end)

  it("the sock module names the error host_unreachable", function()
    local world, a = two_hosts(3)
    local name, code = on_a(world, a, function()
      local sock = a:sock()
      local _, errname, errcode
      sock.newthread(function()
        local c = assert(sock.tcp())
        _, errname, errcode = c:connect("10.0.0.99", 80, sock.clock() + 60)
        c:close()
      end)
      assert(sock.start(100))
      return errname, errcode
    end)
    assert.equal("host_unreachable", name)
    assert.equal("number", type(code))
  end)

  it("connect to an address outside every network fails at once with ENETUNREACH", function()
    local world, a = two_hosts(4)
    local err, took = on_a(world, a, function(socket)
      local c = socket.tcp()
      c:settimeout(60)
      local t0 = world:now()
      local _, e = c:connect("192.0.2.1", 80)
      c:close()
      return e, world:now() - t0
    end)
    assert.equal("Network is unreachable", err)
    assert.equal(0, took)
  end)

  -- Linux: for UDP the failed neighbour lookup's host unreachable is a soft
  -- error (icmp_err_convert), reported only with IP_RECVERR.
  it("a datagram to an unowned address from a connected UDP socket is just gone: no error is reported", function()
    local world, a = two_hosts(5)
    local sent, err, later = on_a(world, a, function(socket)
      local u = socket.udp()
      assert(u:connect("10.0.0.99", 9000))
      local ok = u:send("hello")
      u:settimeout(4)                            -- past the 3 s neighbour timeout
      local _, e = u:recv(100)
      local again = u:send("again")
      u:close()
      return ok, e, again
    end)
    assert.is_true(sent)
    assert.equal("Operation timed out", err)
    assert.is_true(later)
    assert.equal(0, count_lines(world, "icmp-host-unreachable"))
  end)

  it("a datagram to an unowned address from an unconnected UDP socket: no error is reported", function()
    local world, a = two_hosts(6)
    local sent, err = on_a(world, a, function(socket)
      local u = socket.udp()
      assert(u:bind("*", 0))
      local ok = u:sendto("hello", "10.0.0.99", 9000)
      u:settimeout(5)
      local _, e = u:recvfrom(100)
      u:close()
      return ok, e
    end)
    assert.is_true(sent)
    assert.equal("Operation timed out", err)
  end)

  it("a datagram to an address outside every network: sendto and connect fail at once with ENETUNREACH", function()
    local world, a = two_hosts(7)
    local sendto_err, peer_err = on_a(world, a, function(socket)
      local u = socket.udp()
      local _, e1 = u:sendto("hello", "192.0.2.1", 9000)
      local _, e2 = u:connect("192.0.2.1", 9000)
      u:close()
      return e1, e2
    end)
    assert.equal("Network is unreachable", sendto_err)
    assert.equal("Network is unreachable", peer_err)
  end)

  it("a crashed host still owns its address: silence, not EHOSTUNREACH", function()
    local world, a, b = two_hosts(8)
    b:crash()
    local err = on_a(world, a, function(socket)
      local c = socket.tcp()
      c:settimeout(5)
      local _, e = c:connect("10.0.0.2", 80)
      c:close()
      return e
    end)
    assert.equal("Operation timed out", err)
  end)
end)

describe("netsim fidelity: a datagram to a closed port", function()

  -- #wine_no_icmp: Wine 8 reports no port unreachable to a connected UDP
  -- socket (platform/windows/README.md).
  it("the connected UDP socket's next recv fails with ECONNREFUSED (ICMP port unreachable) #wine_no_icmp", net.test(function(socket)
    local probe = assert(socket.udp("inet"))
    assert(probe:bind(net.host, 0))
    local port = assert(probe:getsockname())[2]
    probe:close()                                -- nobody listens on port now
    local u = assert(socket.udp("inet"))
    assert(u:connect(net.host, port))
    assert.is_true(u:send("hello"))
    u:settimeout(5)
    local data, err = u:recv(100)
    assert.is_nil(data)
    assert.equal("Connection refused", err)
    u:close()
  end))
end)

-- The owner's close sending its FIN (the peer reads the data, then end of
-- stream) is spec/lua/tcp_lifecycle_spec.lua's "lets the peer read end of
-- stream after the data", on both kernels too.
describe("netsim fidelity: close", function()

  -- #wine_no_reset: Wine 8 closes with a FIN where Linux resets.
  it("close with unread data sends RST: the peer's read fails with ECONNRESET #wine_no_reset", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    assert(a:write("unread"))
    net.sleep(0.1)                               -- the data is in b's receive buffer
    b:close()                                    -- unread: a reset, not a FIN
    net.sleep(0.1)
    local data, err = a:read(1)
    assert.is_nil(data)
    assert.equal("Connection reset by peer", err)
    a:close()
  end))
end)

describe("netsim fidelity: the orphan's FIN_WAIT2 #netsim", function()

  it("an owner's close whose peer never closes gives up after 60 s (tcp_fin_timeout), freeing the port", function()
    local world, a, b = two_hosts(9)
    local socket_b = b:socket()
    local srv = assert(socket_b.tcp())
    assert(srv:bind("10.0.0.2", 7000))
    assert(srv:listen(4))
    local early, late, eof
    b:spawn(function(socket)
      local c = assert(srv:accept())
      c:close()                                  -- FIN_WAIT2 once a acknowledges
      srv:close()
      socket.select(nil, nil, 1)
      local s = socket.tcp()
      early = table.pack(s:bind("10.0.0.2", 7000))  -- the orphan still holds the port
      s:close()
      socket.select(nil, nil, 60)
      s = socket.tcp()
      late = table.pack(s:bind("10.0.0.2", 7000))
      s:close()
    end)
    a:spawn(function(socket)
      local c = socket.tcp()
      assert(c:connect("10.0.0.2", 7000))
      c:settimeout(5)
      eof = table.pack(c:read(1))                  -- end of stream; a never closes
      socket.select(nil, nil, 100)
      c:close()
    end)
    world:run()
    assert.equal(socket_b.ERROR_CLOSED, eof[2])
    assert.same({ n = 2, nil, "Address already in use" }, early)
    assert.is_true(late[1])
    assert.equal(1, count_lines(world, "tcp-fin-timeout"))
  end)
end)

describe("netsim fidelity: TCP keepalive #netsim", function()

  -- A connected pair a -> b:7000 that exchanges one message at about t = 0;
  -- `client(c, socket)` then runs on a with the connection, keepalive on
  -- (unless keepalive == false); b's side reads until the end, as a daemon.
  local function keepalive_world(seed, keepalive, client, after_exchange)
    local world, a, b = two_hosts(seed)
    local srv = assert(b:socket().tcp())
    assert(srv:bind("10.0.0.2", 7000))
    assert(srv:listen(4))
    b:spawn(function()
      local c = srv:accept()
      while c:readany(100) do end
      c:close()
    end, { daemon = true })
    local result
    a:spawn(function(socket)
      local c = socket.tcp()
      assert(c:connect("10.0.0.2", 7000))
      if keepalive ~= false then assert(c:setopt(socket.OPT_TCP_KEEPALIVE, true)) end
      assert(c:write("x"))
      socket.select(nil, nil, 1)                   -- acknowledged: the peer was heard at ~0.02
      if after_exchange then after_exchange(a, b, world) end
      result = table.pack(client(c, socket, world))
    end)
    return world, a, b, function()
      world:run()
      return table.unpack(result, 1, result.n)
    end
  end

  it("a crashed peer ends a blocked read with ETIMEDOUT after 7200 s + 9 probes of 75 s", function()
    local world, _, _, run = keepalive_world(10, true, function(c, _, world)
      local data, err = c:read(1)                  -- no timeout: only keepalive can end it
      return data, err, world:now()
    end, function(_, b) b:crash() end)
    local data, err, at = run()
    assert.is_nil(data)
    assert.equal("Operation timed out", err)
    assert.is_true(at > 7875 and at < 7876, "ended at " .. at)
    assert.equal(9, count_lines(world, "tcp-keepalive"))
    assert.equal(1, count_lines(world, "tcp-keepalive-timeout"))
  end)

  it("a partitioned peer ends the connection the same way", function()
    local _, _, _, run = keepalive_world(11, true, function(c, _, world)
      local data, err = c:read(1)
      return data, err, world:now()
    end, function(a, b, world) world:partition(a, b) end)
    local data, err, at = run()
    assert.is_nil(data)
    assert.equal("Operation timed out", err)
    assert.is_true(at > 7875 and at < 7876, "ended at " .. at)
  end)

  it("a peer that restarted answers the first probe with RST: ECONNRESET", function()
    local _, _, _, run = keepalive_world(12, true, function(c, _, world)
      local data, err = c:read(1)
      return data, err, world:now()
    end, function(_, b) b:crash(); b:restart() end)
    local data, err, at = run()
    assert.is_nil(data)
    assert.equal("Connection reset by peer", err)
    assert.is_true(at > 7200 and at < 7201, "ended at " .. at)
  end)

  it("a live, silent peer answers every probe: the connection stays up", function()
    local world, _, _, run = keepalive_world(13, true, function(c, socket)
      c:settimeout(20000)
      local data, err = c:read(1)               -- the peer never writes
      local sent = c:write("still there")
      c:close()
      socket.select(nil, nil, 1)
      return data, err, sent
    end)
    local data, err, sent = run()
    assert.is_nil(data)
    assert.equal("Operation timed out", err)       -- our own 20000 s timeout
    assert.equal(11, sent)
    assert.equal(2, count_lines(world, "tcp-keepalive"))  -- at 7200 and 14400, both answered
    assert.equal(0, count_lines(world, "tcp-keepalive-timeout"))
  end)

  it("a read that waits forever on a live, silent peer is still reported as a deadlock", function()
    local world, _, _, run = keepalive_world(14, true, function(c)
      return c:read(1)
    end)
    local ok, err = pcall(run)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("deadlock at t=7200", 1, true), tostring(err))
  end)

  it("with keepalive off, a crashed peer leaves a blocked read waiting forever (a deadlock), as on Linux", function()
    local world, _, _, run = keepalive_world(15, false, function(c)
      return c:read(1)
    end, function(_, b) b:crash() end)
    local ok, err = pcall(run)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("deadlock", 1, true), tostring(err))
    assert.equal(0, count_lines(world, "tcp-keepalive"))
  end)

  it("turning keepalive off again stops the probes", function()
    local world, _, _, run = keepalive_world(16, true, function(c, socket)
      assert(c:setopt(socket.OPT_TCP_KEEPALIVE, false))
      c:settimeout(10000)
      local _, err = c:read(1)
      c:close()
      return err
    end, function(_, b) b:crash() end)
    assert.equal("Operation timed out", run())
    assert.equal(0, count_lines(world, "tcp-keepalive"))
  end)
end)
