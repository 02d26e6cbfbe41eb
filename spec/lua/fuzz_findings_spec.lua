-- Regressions of what a random API driver found (each `it` is the scenario
-- that once crashed, hung or answered wrong). Both kernels unless tagged.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"
local support = require "spec.lua.sock_support"

describe("fuzz findings: sock", function()

  it("connect with no address inside a thread returns instead of crashing", support.test(function(sock)
    local results
    sock.newthread(function()
      local c = assert(sock.tcp())
      results = table.pack(pcall(c.connect, c))
      c:close()
    end)
    support.run(sock)
    assert.is_table(results)
    assert.is_true(results[1], tostring(results[2]))   -- returned, not raised
    -- 0.0.0.0:0 is nowhere to connect to: a failure, named portably
    assert.is_nil(results[2])
    assert.is_string(results[3])
  end))

  it("sleep_until(-math.huge) is a time long past, not no deadline", support.test(function(sock)
    local done = false
    sock.newthread(function()
      sock.sleep_until(-math.huge)
      done = true
    end)
    support.run(sock, 5)
    assert.is_true(done)
  end))

  it("accept(-math.huge) times out at once", support.test(function(sock)
    local l = support.listener(sock)
    local results
    sock.newthread(function() results = table.pack(l:accept(-math.huge)) end)
    support.run(sock, 5)
    assert.is_nil(results[1])
    assert.equal("timeout", results[2])
  end))
end)

describe("fuzz findings: metamethods called with another self", function()

  it("a socket type's __gc with a table or another userdata raises, never crashes", net.test(function(socket)
    local t = assert(socket.tcp())
    local gc = getmetatable(t).__gc
    assert.is_false(pcall(gc, {}))
    assert.is_false(pcall(gc, assert(socket.udp())))
    assert.is_false(pcall(gc, nil))
    t:close()
  end))
end)

describe("fuzz findings: sock metamethods called with another self", function()

  it("an ai's __index with a socket or a table raises, never crashes", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 80, "tcp"))
    local index = getmetatable(ai).__index
    local t = assert(sock.tcp())
    assert.is_false(pcall(index, t, "x"))
    assert.is_false(pcall(index, {}, "x"))
    assert.is_false(pcall(getmetatable(ai.addr).__gc, {}))
    assert.is_false(pcall(getmetatable(t).__gc, sock.buffer(4)))
    assert.equal("function", type(index(ai, "next")))
    t:close()
  end))
end)

describe("fuzz findings: odd numbers", function()

  it("socket.select with a NaN timeout raises instead of waiting for ever", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    local ok, err = pcall(socket.select, { u }, nil, 0 / 0)
    assert.is_false(ok)
    assert.matches("NaN", err)
    u:close()
  end))
end)

describe("fuzz findings: objects reached after their __gc", function()

  it("an ai, sa or ip whose __gc ran twice is freed once and answers as freed", support.test(function(sock)
    local ai = assert(sock.addr("127.0.0.1", 80, "tcp"))
    local sa, ip = ai.addr, ai.addr:addr()
    for _, object in ipairs({ ai, sa, ip }) do
      local gc = getmetatable(object).__gc
      gc(object)
      gc(object)  -- api fuzz seed 1: the second freed the ai's list again
    end
    local ok, err = pcall(ai.tostring, ai)
    assert.is_false(ok)
    assert.matches("the ai was freed", err)
    collectgarbage()
    collectgarbage()
  end))

  it("a socket whose __gc ran answers closed, and a second __gc is harmless", net.test(function(socket)
    for _, kind in ipairs({ "tcp", "udp" }) do
      local s = assert(socket[kind]("inet"))
      local gc = getmetatable(s).__gc
      gc(s)
      assert.equal(-1, s:fileno())
      local ok, err = s:settimeout(1)
      assert.is_nil(ok)
      assert.equal(socket.ERROR_CLOSED, err)
      assert.is_true(s:close())
      gc(s)
    end
    local t = assert(socket.tcp("inet"))
    getmetatable(t).__gc(t)
    local _, err = t:read(1)
    assert.equal(socket.ERROR_CLOSED, err)
    _, err = t:write("x")
    assert.equal(socket.ERROR_CLOSED, err)
  end))

  it("a finalized socket with buffered data hands out no freed bytes", net.test(function(socket)
    local client, server = helpers.tcp_pair(socket)
    assert(server:write(("x"):rep(1000) .. "\n" .. ("y"):rep(5000)))
    assert.equal(("x"):rep(1000), client:readuntil("\n")())
    getmetatable(client).__gc(client)  -- what readuntil buffered is freed
    local data, err, partial = client:read(1)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("", partial)
    server:close()
  end))

  it("a socket resurrected by another finalizer answers closed", net.test(function(socket)
    local saved
    do
      local s = assert(socket.tcp("inet"))
      -- made after s: finalized before it, in the same cycle. Lua 5.1 and
      -- LuaJIT run __gc of userdata only: there the finalizer's object is
      -- newproxy's userdata.
      local function resurrect() saved = s end
      if newproxy then
        getmetatable(newproxy(true)).__gc = resurrect
      else
        setmetatable({}, { __gc = resurrect })
      end
    end
    collectgarbage()
    collectgarbage()
    assert.is_not_nil(saved)
    local _, err = saved:read(1)
    assert.equal(socket.ERROR_CLOSED, err)
    saved = nil
  end))

  it("a sock socket whose __gc ran answers closed", support.test(function(sock)
    for _, kind in ipairs({ "tcp", "udp" }) do
      local s = assert(sock[kind]())
      getmetatable(s).__gc(s)
      local ok, err = s:setopt("so_reuseaddr", true)
      assert.is_nil(ok)
      assert.equal("closed", err)
      getmetatable(s).__gc(s)
      assert.is_true(s:close())
    end
  end))
end)

describe("fuzz findings: netsim #netsim", function()
  local netsim = require "netsim"

  it("a world's __gc called twice is harmless, and its methods then raise a clear error", function()
    local world = netsim.world { seed = 3 }
    local host = world:host("a")
    local gc = getmetatable(world).__gc
    gc(world)
    gc(world)
    for _, call in ipairs({
      function() return world:run() end,
      function() return world:now() end,
      function() return world:host("b") end,
      function() return world:trace_hash() end,
      function() return host:name() end,
      function() return host:socket() end,
      function() return host:spawn(function() end) end,
    }) do
      local ok, err = pcall(call)
      assert.is_false(ok)
      assert.matches("finalized", err)
    end
    assert.equal("<netsim world: finalized>", tostring(world))
    assert.matches("finalized", tostring(host))
  end)

  it("sockets of a world whose __gc was called by hand still close and collect safely", function()
    -- Found by tools/fuzz (seed 7): the world's __gc freed the simulated
    -- hosts while their sockets lived on, and a socket's own __gc then
    -- closed its descriptor on a freed host.
    local world = netsim.world { seed = 3 }
    local host = world:host("a")
    local socket = host:socket()
    local kept = { assert(socket.tcp("inet")), assert(socket.udp("inet")), assert(host:sock().tcp()) }
    getmetatable(world).__gc(world)
    assert.is_true(kept[1]:close())
    kept[2]:settimeout(0)
    assert.is_nil((kept[2]:recv(10)))
    world, host, socket, kept = nil, nil, nil, nil
    collectgarbage()
    collectgarbage()
  end)

  it("a world's __gc called by one of its own threads while it runs raises", function()
    local world = netsim.world { seed = 3 }
    local host = world:host("a")
    local ok, err
    host:spawn(function() ok, err = pcall(getmetatable(world).__gc, world) end)
    world:run()
    assert.is_false(ok)
    assert.matches("while the world runs", err)
    assert.is_number(world:now())
  end)
end)

describe("fuzz findings: connect on a socket that is already connected", function()

  it("a second connect on a connected socket fails and keeps the connection", net.test(function(socket)
    local client, server = helpers.tcp_pair(socket)
    local peer = assert(client:getpeername())
    local ok, err = client:connect(peer[1], peer[2])
    assert.is_nil(ok)
    assert.is_string(err)
    assert.is_not_equal(socket.ERROR_CLOSED, err)
    assert.equal(4, client:write("kept"))          -- the connection is as it was
    assert.equal("kept", server:read(4))
    client:close()
    server:close()
  end))

  it("connect on a listening socket fails and the socket still listens", net.test(function(socket)
    local l = assert(socket.tcp("inet"))
    assert(l:bind(net.host, 0))
    assert(l:listen(8))
    local port = assert(l:getsockname())[2]
    local ok, err = l:connect(net.host, port)
    assert.is_nil(ok)
    assert.is_string(err)
    assert.is_not_equal(-1, l:fileno())
    local c = assert(socket.tcp())
    assert(c:connect(net.host, port))
    l:settimeout(helpers.TIMEOUT)
    local accepted = assert(l:accept())
    accepted:close()
    c:close()
    l:close()
  end))

  it("a sock tcp:connect on a connected socket fails and keeps the connection", support.test(function(sock)
    local l, port = support.listener(sock)
    local results, received
    sock.newthread(function()
      local server = assert(l:accept())
      local buf = sock.buffer(4)
      received = buf:tostring(assert(server:recv(buf, 4)))
      server:close()
    end)
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(net.host, port))
      results = table.pack(c:connect(net.host, port))
      assert(c:send("kept"))
      c:close()
    end)
    support.run(sock)
    l:close()
    assert.is_nil(results[1])
    assert.is_string(results[2])
    assert.equal("kept", received)
  end))
end)

describe("fuzz findings: ports and services given as strings", function()

  it("bind with a numeric string port above 65535 raises like the number form", net.test(function(socket)
    for _, port in ipairs({ "65617", "65536", "99999999999999999999" }) do
      local s = assert(socket.tcp())
      local ok, err = pcall(s.bind, s, net.host, port)
      assert.is_false(ok, port)
      assert.matches("port out of range", err)
      s:close()
    end
    local u = assert(socket.udp())
    assert.is_false(pcall(u.sendto, u, "x", net.host, "70000"))
    u:close()
    local s = assert(socket.tcp())
    assert(s:bind(net.host, "0"))                  -- in range: a port like the number
    s:close()
  end))

  it("sock.addr with a numeric string port above 65535 raises like the number form", support.test(function(sock)
    local ok, err = pcall(sock.addr, net.host, "65617", "tcp")
    assert.is_false(ok)
    assert.matches("0..65535", err)
    local ai = assert(sock.addr(net.host, "8080", "tcp"))
    assert.equal(8080, ai.addr:port())
  end))

  it("getaddrinfo with a numeric service above 65535 fails instead of cutting it to 16 bits", net.test(function(socket)
    local answers, err = socket.getaddrinfo(net.host, "65617")
    assert.is_nil(answers)
    assert.equal("Servname not supported for ai_socktype", err)
  end))

  it("an unknown service name gives the resolver's EAI_SERVICE text on every kernel", net.test(function(socket)
    local answers, err = socket.getaddrinfo(net.host, "no-such-service-here", socket.AF_INET, socket.SOCK_STREAM)
    assert.is_nil(answers)
    assert.equal("Servname not supported for ai_socktype", err)
    local s = assert(socket.tcp())
    local ok, err2 = s:connect(net.host, "no-such-service-here")
    assert.is_nil(ok)
    assert.equal("Servname not supported for ai_socktype", err2)
  end))
end)

describe("fuzz findings: netsim crash and restart #netsim", function()
  local netsim = require "netsim"

  it("sock.start on a host that crashed while its loop ran works in the new life", function()
    local world = netsim.world { seed = 5 }
    local b = world:host("b")
    b:spawn(function(_, sock)
      sock.newthread(function() sock.sleep(100) end)
      sock.start()
    end, { daemon = true })
    world:run(1)
    b:crash()
    b:restart()
    local results
    b:spawn(function(_, sock)
      sock.newthread(function() sock.sleep(0.5) end)
      results = table.pack(pcall(sock.start, 5))
    end)
    world:run()
    assert.is_true(results[1], tostring(results[2]))
    assert.is_true(results[2])
  end)

  it("sock threads parked on a host that crashed while its loop was idle die with it", function()
    local world = netsim.world { seed = 5 }
    local b = world:host("b")
    local resumed = false
    b:spawn(function(_, sock)
      sock.newthread(function()
        sock.sleep(1)
        resumed = true
      end)
    end)
    world:run()
    b:crash()
    b:restart()
    local started
    b:spawn(function(_, sock) started = table.pack(sock.start(5)) end)
    world:run()
    assert.is_true(started[1])
    assert.is_false(resumed)
  end)

  it("host:crash returns after many crashes of a host with finished threads", function()
    local world = netsim.world { seed = 5 }
    local a = world:host("a")
    local b = world:host("b")
    local cycles = 0
    a:spawn(function(socket)
      for _ = 1, 300 do
        for _ = 1, 8 do b:spawn(function() end) end
        b:spawn(function(s) s.tcp():bind("*", 0); coroutine.yield() end)
        coroutine.yield()                      -- b's threads run (and finish)
        b:crash()
        b:restart()
        cycles = cycles + 1
      end
    end)
    world:run()
    assert.equal(300, cycles)
  end)
end)

describe("fuzz findings: nested sock.wrap iterators", function()

  it("a nested wrap iterator that a second thread resumes waits for that thread", support.test(function(sock)
    local inner = sock.wrap(function()
      while true do
        sock.sleep(0.05)
        coroutine.yield("tick")
      end
    end)
    local outer = sock.wrap(function()
      while true do coroutine.yield(inner()) end
    end)
    local got = {}
    sock.newthread(function() got[1] = outer() end)   -- waits inside inner's sleep
    sock.newthread(function() got[2] = outer() end)   -- resumes the same chain
    local ok = sock.start(5)
    assert.is_true(ok)
    assert.equal("tick", got[2])
  end))
end)

describe("fuzz findings: the largest UDP datagram", function()

  it("a 65,507-byte datagram that sendto accepts arrives whole", net.test(function(socket)
    local rx = assert(socket.udp("inet"))
    assert(rx:bind(net.host, 0))
    rx:settimeout(helpers.TIMEOUT)
    local port = assert(rx:getsockname())[2]
    local tx = assert(socket.udp("inet"))
    local data = ("0123456789abcdef"):rep(4094) .. ("xyz")
    assert.equal(65507, #data)
    assert.is_true(tx:sendto(data, net.host, port))
    local got, err = rx:recv(70000)
    assert.equal(65507, got and #got or err)
    assert.is_true(got == data)
    tx:close()
    rx:close()
  end))
end)
