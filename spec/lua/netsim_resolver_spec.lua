-- The simulated resolver in virtual time: world:resolver{latency, jitter,
-- timeout, down} and world:name(name, "servfail" | "silent").
-- Tagged #netsim: these run once, in the sim run of tools/test.sh.
local netsim = require "netsim"
local helpers = require "spec.support.helpers"

-- A world with a client `a` and a server `b` (10.0.0.2), the name db.test
-- pointing at b, and the resolver set by `resolver` (nil: the default).
local function world_with(resolver, seed)
  local world = netsim.world { seed = seed or 1 }
  local a = world:host("a", { "10.0.0.1" })
  local b = world:host("b", { "10.0.0.2" })
  assert(world:name("db.test", { "10.0.0.2" }))
  if resolver then world:resolver(resolver) end
  return world, a, b
end

-- Runs body(sock) in a sock thread on host `a` and the world to its end.
local function in_sock_thread(world, a, body)
  a:spawn(function(_, sock)
    sock.newthread(function() body(sock) end)
    sock.start()
  end)
  world:run()
end

-- sock.addr of `name` with a deadline `within` seconds on: ai or nil, err,
-- and the virtual seconds it took.
local function timed_addr(sock, name, within)
  local start = sock.clock()
  local ai, err = sock.addr(name, 80, "tcp", nil, nil, nil, start + within)
  return ai, err, sock.clock() - start
end

describe("netsim #netsim resolver", function()
  it("answers at once by default, as before lookups took time", function()
    local world, a = world_with(nil)
    local took
    in_sock_thread(world, a, function(sock)
      local ai
      ai, _, took = timed_addr(sock, "db.test", 5)
      assert.are.equal("10.0.0.2:80", ai:tostring())
    end)
    assert.are.equal(0, took)
    assert.is_nil(world:trace():find("lookup"))
  end)

  it("a lookup takes the resolver's latency in virtual time while other threads run", function()
    local world, a = world_with { latency = 0.05 }
    local took, ticks = nil, 0
    in_sock_thread(world, a, function(sock)
      local done = false
      sock.newthread(function()
        while not done do sock.sleep(0.01); ticks = ticks + 1 end
      end)
      local ai
      ai, _, took = timed_addr(sock, "db.test", 5)
      done = true
      assert.are.equal("10.0.0.2:80", ai:tostring())
    end)
    assert.is_true(math.abs(took - 0.05) < 1e-9, "took " .. took)
    assert.is_true(ticks >= 4, "ticks while the lookup ran: " .. ticks)
    assert.is_truthy(world:trace():find("lookup a db.test: 1 answers", 1, true))
  end)

  it("100 concurrent lookups in sock threads let a 10 ms ticker keep its cadence", function()
    local world, a = world_with { latency = 0.2 }
    local answered, longest, took = 0, 0, nil
    in_sock_thread(world, a, function(sock)
      local done, pending = false, 100
      sock.newthread(function()
        local last = sock.clock()
        while not done do
          sock.sleep(0.01)
          longest = math.max(longest, sock.clock() - last)
          last = sock.clock()
        end
      end)
      local start = sock.clock()
      for _ = 1, 100 do
        sock.newthread(function()
          if sock.addr("db.test", 80, "tcp", nil, nil, nil, sock.clock() + 5) then answered = answered + 1 end
          pending = pending - 1
        end)
      end
      while pending > 0 do sock.sleep(0.01) end
      took = sock.clock() - start
      done = true
    end)
    assert.are.equal(100, answered)
    assert.is_true(math.abs(longest - 0.01) < 1e-9, "longest gap " .. longest)
    assert.is_true(took >= 0.2 and took < 0.22, "took " .. took)
  end)

  it("jitter is drawn from the seed: the same seed gives the same times, another seed others", function()
    local function times(seed)
      local world, a = world_with({ latency = 0.01, jitter = 0.05 }, seed)
      local out = {}
      in_sock_thread(world, a, function(sock)
        for i = 1, 5 do
          local _, _, took = timed_addr(sock, "db.test", 5)
          out[i] = took
        end
      end)
      return table.concat(out, ","), world:trace_hash()
    end
    local t1, h1 = times(7)
    local t2, h2 = times(7)
    local t3 = times(8)
    assert.are.equal(t1, t2)
    assert.are.equal(h1, h2)
    assert.are_not.equal(t1, t3)
  end)

  it("a name that answers SERVFAIL fails with a temporary failure after the latency", function()
    local world, a = world_with { latency = 0.02 }
    assert(world:name("flaky.test", "servfail"))
    local ai, err, took
    in_sock_thread(world, a, function(sock) ai, err, took = timed_addr(sock, "flaky.test", 5) end)
    assert.is_nil(ai)
    assert.are.equal("Temporary failure in name resolution", err)
    assert.is_true(math.abs(took - 0.02) < 1e-9, "took " .. took)
  end)

  it("a name nobody has gives not_found after the latency", function()
    local world, a = world_with { latency = 0.03 }
    local ai, err, took
    in_sock_thread(world, a, function(sock) ai, err, took = timed_addr(sock, "nobody.test", 5) end)
    assert.are.same({ nil, "not_found" }, { ai, err })
    assert.is_true(math.abs(took - 0.03) < 1e-9, "took " .. took)
  end)

  it("a silent name times out at the caller's expires, and the world does not wait for the answer", function()
    local world, a = world_with { timeout = 10 }
    assert(world:name("gone.test", "silent"))
    local ai, err, took
    in_sock_thread(world, a, function(sock) ai, err, took = timed_addr(sock, "gone.test", 0.3) end)
    assert.are.same({ nil, "timeout" }, { ai, err })
    assert.is_true(math.abs(took - 0.3) < 1e-9, "took " .. took)
    -- The abandoned lookup's answer (due at 10 s) is dropped with it.
    assert.is_true(world:now() < 1, "the world ran to " .. world:now())
    assert.are.equal(0, a:open_descriptors())
  end)

  it("a resolver cut off fails every name after its timeout; literals and localhost still answer", function()
    local world, a = world_with { down = true, timeout = 2 }
    local results = {}
    in_sock_thread(world, a, function(sock)
      local ai, err, took = timed_addr(sock, "db.test", 30)
      results.name = { ai, err, took }
      results.literal = timed_addr(sock, "10.0.0.2", 1):tostring()
      results.localhost = timed_addr(sock, "localhost", 1):tostring()
    end)
    assert.are.same({ nil, "Temporary failure in name resolution", 2 }, results.name)
    assert.are.equal("10.0.0.2:80", results.literal)
    assert.are.equal("127.0.0.1:80", results.localhost)
  end)

  it("tcp:connect by name waits for the lookup, then connects; expires bounds both", function()
    local world, a, b = world_with { latency = 0.1 }
    assert(world:name("gone.test", "silent"))
    local srv = assert(b:socket().tcp())
    assert(srv:bind("10.0.0.2", 7000))
    assert(srv:listen(8))
    local results = {}
    in_sock_thread(world, a, function(sock)
      local c = assert(sock.tcp())
      local start = sock.clock()
      results.connect = { c:connect("db.test", 7000, start + 5) }
      results.took = sock.clock() - start
      c:close()
      local d = assert(sock.tcp())
      start = sock.clock()
      results.silent = { d:connect("gone.test", 7000, start + 0.5) }
      results.silent_took = sock.clock() - start
      d:close()
    end)
    assert.are.same({ true }, results.connect)
    assert.is_true(results.took > 0.1 and results.took < 0.2, "took " .. results.took)
    assert.are.same({ nil, "timeout", helpers.ETIMEDOUT }, results.silent)
    assert.is_true(math.abs(results.silent_took - 0.5) < 1e-9, "took " .. results.silent_took)
  end)

  it("socket: getaddrinfo and connect by name take the latency in a host's thread", function()
    local world, a, b = world_with { latency = 0.25 }
    local srv = assert(b:socket().tcp())
    assert(srv:bind("10.0.0.2", 7000))
    assert(srv:listen(8))
    local results = {}
    a:spawn(function(socket)
      local start = world:now()
      local answers = socket.getaddrinfo("db.test", "80", socket.AF_INET)
      results.getaddrinfo = { answers and answers[1].addr, answers and answers[1].port, world:now() - start }
      local c = socket.tcp()
      assert(c:settimeout(5))
      start = world:now()
      results.connect = { c:connect("db.test", 7000) }
      results.connect_took = world:now() - start
      c:close()
      local u = socket.udp()
      start = world:now()
      results.sendto = { u:sendto("x", "db.test", 9) }
      results.sendto_took = world:now() - start
      u:close()
    end)
    world:run()
    assert.are.same({ "10.0.0.2", 80, 0.25 }, results.getaddrinfo)
    assert.are.same({ true }, results.connect)
    assert.is_true(results.connect_took > 0.25 and results.connect_took < 0.3, "took " .. results.connect_took)
    assert.are.same({ true }, results.sendto)
    assert.are.equal(0.25, results.sendto_took)
  end)

  it("socket: connect to a slow name with settimeout(0.5) returns timeout at 0.5 s", function()
    local world, a = world_with { latency = 3 }
    local result, took
    a:spawn(function(socket)
      local c = socket.tcp()
      assert(c:settimeout(0.5))
      local start = world:now()
      result = { c:connect("db.test", 7000) }
      took = world:now() - start
    end)
    world:run()
    assert.are.same({ nil, "Operation timed out" }, { result[1], result[2] })
    assert.are.equal(0.5, took)
    assert.are.equal(0, a:open_descriptors())
  end)

  it("socket: getaddrinfo's timeout bounds a silent name; faults fail as glibc fails", function()
    local world, a = world_with { latency = 0.01 }
    assert(world:name("gone.test", "silent"))
    assert(world:name("flaky.test", "servfail"))
    local results = {}
    a:spawn(function(socket)
      local start = world:now()
      results.silent = { socket.getaddrinfo("gone.test", nil, nil, nil, nil, nil, 0.3) }
      results.silent_took = world:now() - start
      results.servfail = { socket.getaddrinfo("flaky.test") }
      results.missing = { socket.getaddrinfo("nobody.test") }
    end)
    world:run()
    assert.are.same({ nil, "Operation timed out" }, results.silent)
    assert.is_true(math.abs(results.silent_took - 0.3) < 1e-9, "took " .. results.silent_took)
    assert.are.same({ nil, "Temporary failure in name resolution" }, results.servfail)
    assert.are.same({ nil, "Name or service not known" }, results.missing)
  end)

  it("socket: outside a host's threads a lookup answers at once (nothing can wait there)", function()
    local world, _, b = world_with { latency = 1 }
    local socket = b:socket()
    local answers = socket.getaddrinfo("db.test", "80", socket.AF_INET)
    assert.are.equal("10.0.0.2", answers[1].addr)
    assert.are.equal(0, world:now())
    assert.is_true(socket.tcp():bind("db.test", 0))
  end)

  it("a host that crashes while a lookup is in flight comes back with no descriptor of it", function()
    local world, a = world_with { latency = 1 }
    local answered = false
    a:spawn(function(_, sock)
      sock.newthread(function()
        sock.addr("db.test", 80, "tcp", nil, nil, nil, sock.clock() + 5)
        answered = true
      end)
      sock.start()
    end)
    world:run(0.5)
    assert.are.equal(1, a:open_descriptors())  -- the lookup's
    a:crash()
    a:restart()
    world:run()
    assert.is_false(answered)
    assert.are.equal(0, a:open_descriptors())
    collectgarbage()
    collectgarbage()
    assert.are.equal(0, a:open_descriptors())
  end)

  it("checks its options", function()
    local world = netsim.world {}
    assert.has_error(function() world:resolver { latncy = 1 } end,
      "world:resolver: unknown resolver option 'latncy' (latency, jitter, timeout, down)")
    assert.has_error(function() world:resolver { timeout = -1 } end)
    assert.has_error(function() world:resolver { down = 1 } end)
    assert.has_error(function() world:name("x.test", "sometimes") end)
    assert.are.same({ nil, "not a name: 10.0.0.9" }, { world:name("10.0.0.9", "silent") })
  end)
end)
