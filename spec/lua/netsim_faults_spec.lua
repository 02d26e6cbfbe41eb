-- The simulated network under faults, driven directly through netsim.
-- Tagged #netsim: these run once, in the sim run of tools/test.sh.
local netsim = require "netsim"

-- A world with a client host `a` and a server host `b` joined by `link`.
local function two_hosts(seed, link)
  local world = netsim.world { seed = seed or 1 }
  local a = world:host("a", { "10.0.0.1", "fd00::1" })
  local b = world:host("b", { "10.0.0.2", "fd00::2" })
  if link then world:link(a, b, link) end
  return world, a, b
end

-- A listener on host b port 7000, made outside any thread (it never waits).
local function listen_on(b, backlog)
  local srv = assert(b:socket().tcp())
  assert(srv:bind("10.0.0.2", 7000))
  assert(srv:listen(backlog or 8))
  return srv
end

-- Runs client and server functions on a, b; returns what the client returned.
local function exchange(world, a, b, server, client)
  local result = {}
  b:spawn(server, { daemon = true })
  a:spawn(function(socket) result = table.pack(client(socket)) end)
  world:run()
  return table.unpack(result, 1, result.n)
end

-- Collects the numbers that arrive as datagrams on b:9000 until a second
-- passes without one; returns the array it fills.
local function receive_numbers(b)
  local rx = assert(b:socket().udp())
  assert(rx:bind("10.0.0.2", 9000))
  local got = {}
  b:spawn(function()
    rx:settimeout(1)
    while true do
      local data = rx:recv(100)
      if not data then break end
      got[#got + 1] = tonumber(data)
    end
  end)
  return got
end

-- A lossy echo exchange: 50 messages through 30% loss and jitter.
local function lossy_echo_run(seed)
  local world, a, b = two_hosts(seed, { latency = 0.01, jitter = 0.02, loss = 0.3 })
  local srv = listen_on(b)
  local echoed = exchange(world, a, b, function()
    local c = srv:accept()
    while true do
      local data = c:readany(4096)
      if not data then break end
      c:write(data)
    end
    c:close()
  end, function(socket)
    local c = socket.tcp()
    assert(c:connect("10.0.0.2", 7000))
    local n = 0
    for i = 1, 50 do
      local msg = ("message %03d|"):format(i)
      assert(c:write(msg))
      assert.equal(msg, c:read(#msg))
      n = n + 1
    end
    c:close()
    return n
  end)
  assert.equal(50, echoed)
  return world:trace_hash(), world:now()
end

describe("netsim #netsim", function()
  describe("determinism", function()
    it("the same seed gives the same trace hash for a lossy exchange", function()
      local h1, t1 = lossy_echo_run(42)
      local h2, t2 = lossy_echo_run(42)
      assert.equal(h1, h2)
      assert.equal(t1, t2)
    end)

    it("different seeds give different traces", function()
      local seen = {}
      for seed = 1, 5 do seen[lossy_echo_run(seed)] = true end
      local distinct = 0
      for _ in pairs(seen) do distinct = distinct + 1 end
      assert.equal(5, distinct)
    end)

    it("a failing thread stops the run with the seed and a traceback", function()
      local world, a = two_hosts(77)
      a:spawn(function() error("boom in the client") end)
      local ok, err = pcall(world.run, world)
      assert.is_false(ok)
      assert.matches("seed 77", err)
      assert.matches("host 'a'", err)
      assert.matches("boom in the client", err)
      assert.matches("stack traceback", err)
    end)
  end)

  describe("TCP faults", function()
    it("a reset mid-stream: read returns the data that came first, then the error", function()
      local world, a, b = two_hosts(3, { latency = 0.005 })
      local srv = listen_on(b)
      local data, err, partial = exchange(world, a, b, function(socket)
        local c = srv:accept()
        c:write(("x"):rep(1000))
        socket.select(nil, nil, 0.5)          -- let the bytes arrive
        c:setopt("so_linger", 0)
        c:close()                             -- RST
      end, function(socket)
        local c = socket.tcp()
        assert(c:connect("10.0.0.2", 7000))
        return c:read(2000)
      end)
      assert.is_nil(data)
      assert.equal("Connection reset by peer", err)
      assert.equal(("x"):rep(1000), partial)
    end)

    it("a peer host crash: silence until it restarts, then a reset", function()
      local world, a, b = two_hosts(5, { latency = 0.01 })
      local srv = listen_on(b)
      b:spawn(function()
        local c = srv:accept()
        while c:readany(100) do end
      end, { daemon = true })
      local during, after
      a:spawn(function(socket)
        local c = socket.tcp()
        assert(c:connect("10.0.0.2", 7000))
        assert(c:write("before"))
        socket.select(nil, nil, 0.1)
        b:crash()
        c:settimeout(2)
        during = table.pack(c:read(1))                   -- nobody answers
        b:restart()
        assert(c:write("after the restart"))             -- meets a fresh kernel: RST
        after = table.pack(c:read(1))
      end)
      world:run()
      assert.same({ n = 3, nil, "Operation timed out", "" }, during)
      assert.is_nil(after[1])
      assert.equal("Connection reset by peer", after[2])
    end)

    it("a socket that outlived its host's crash cannot close a socket of the new life", function()
      local world, a, b = two_hosts(6)
      local socket = b:socket()
      local old = assert(socket.tcp("inet"))
      b:crash()
      b:restart()
      local new = assert(socket.tcp("inet"))
      assert.are_not.equal(old:fileno(), new:fileno())
      assert(new:bind("10.0.0.2", 7000))
      old:close()
      assert.is_true(new:listen(4))
      assert.equal(1, b:open_descriptors())
    end)

    it("a partition during connect: the connect times out in virtual time", function()
      local world, a, b = two_hosts(9, { latency = 0.01 })
      listen_on(b)
      world:partition(a, b)
      local started = world:now()
      local ok, err = exchange(world, a, b, function() end, function(socket)
        local c = socket.tcp()
        c:settimeout(3)
        return c:connect("10.0.0.2", 7000)
      end)
      assert.is_nil(ok)
      assert.equal("Operation timed out", err)
      assert.is_true(world:now() - started >= 3)
    end)

    it("a partition healed in time lets the retransmitted handshake through", function()
      local world, a, b = two_hosts(9, { latency = 0.01 })
      local srv = listen_on(b)
      world:partition(a, b)
      local ok = exchange(world, a, b, function(socket)
        socket.select(nil, nil, 0.5)
        world:heal(a, b)
        srv:accept()
      end, function(socket)
        local c = socket.tcp()
        c:settimeout(10)
        return c:connect("10.0.0.2", 7000)
      end)
      assert.is_true(ok)
      assert.is_true(world:now() >= 1)   -- the first SYN retransmission is after 1 s
    end)

    it("TCP across 30% loss delivers every byte, in order, later", function()
      local function transfer(loss)
        local world, a, b = two_hosts(11, { latency = 0.01, loss = loss })
        local srv = listen_on(b)
        local payload = {}
        for i = 1, 20000 do payload[i] = ("%05d,"):format(i) end
        payload = table.concat(payload)
        local got = exchange(world, a, b, function()
          local c = srv:accept()
          c:write(payload)
          c:close()
        end, function(socket)
          local c = socket.tcp()
          assert(c:connect("10.0.0.2", 7000))
          local data, err, partial = c:read(#payload + 1)
          assert.equal(socket.ERROR_CLOSED, err)
          return partial
        end)
        assert.equal(#payload, #got)
        assert.is_true(got == payload, "bytes differ")
        return world:now()
      end
      local clean = transfer(0)
      local lossy = transfer(0.3)
      assert.is_true(lossy > clean * 2, ("lossy %.3f s vs clean %.3f s"):format(lossy, clean))
    end)

    it("a full send buffer: write with a timeout returns nil, ERROR_TIMEOUT, sent", function()
      local world, a, b = two_hosts(13, { latency = 0.001 })
      local srv = listen_on(b)
      local server_side
      b:spawn(function() server_side = srv:accept() end, { daemon = true })
      local ok, err, sent
      a:spawn(function(socket)
        local c = socket.tcp()
        assert(c:connect("10.0.0.2", 7000))
        c:settimeout(1)
        ok, err, sent = c:write(("z"):rep(10 * 1024 * 1024))
        c:close()
      end)
      world:run()
      assert.is_nil(ok)
      assert.equal("Operation timed out", err)
      assert.is_true(sent > 0 and sent < 10 * 1024 * 1024, "sent " .. tostring(sent))
      -- Exactly `sent` bytes reach the peer: none lost, none extra.
      local received = 0
      b:spawn(function()
        server_side:settimeout(5)
        while true do
          local data = server_side:readany(65536)
          if not data then break end
          received = received + #data
        end
      end)
      world:run()
      assert.equal(sent, received)
    end)

    it("a full backlog: connects past it get no answer and time out", function()
      local world, a, b = two_hosts(17, { latency = 0.01 })
      listen_on(b, 1)   -- nobody accepts
      local results = {}
      a:spawn(function(socket)
        for i = 1, 4 do
          local c = socket.tcp()
          c:settimeout(2)
          local ok, err = c:connect("10.0.0.2", 7000)
          results[i] = ok and "connected" or err
        end
      end)
      world:run()
      assert.equal("connected", results[1])
      assert.equal("Operation timed out", results[4])
    end)

    it("a deadlock is reported, not hung", function()
      local world, a, b = two_hosts(19)
      local srv = listen_on(b)
      b:spawn(function()
        local c = srv:accept()
        c:read(1)               -- waits for the client...
      end)
      a:spawn(function(socket)
        local c = socket.tcp()
        assert(c:connect("10.0.0.2", 7000))
        c:read(1)               -- ...which waits for the server
      end)
      local ok, err = pcall(world.run, world)
      assert.is_false(ok)
      assert.matches("deadlock", err)
      assert.matches("host 'a'", err)
      assert.matches("host 'b'", err)
      assert.matches("readable", err)
    end)
  end)

  describe("UDP faults", function()
    it("30% loss really loses datagrams, and the count is the seed's", function()
      local function count_received(seed)
        local world, a, b = two_hosts(seed, { latency = 0.001, loss = 0.3 })
        local got = receive_numbers(b)
        a:spawn(function(socket)
          local tx = socket.udp()
          for i = 1, 1000 do assert(tx:sendto(tostring(i), "10.0.0.2", 9000)) end
        end)
        world:run()
        return got
      end
      local got = count_received(23)
      assert.is_true(#got > 600 and #got < 800, "received " .. #got .. " of 1000")
      local seen = {}
      for _, i in ipairs(got) do
        assert.is_nil(seen[i], "datagram " .. i .. " arrived twice")
        seen[i] = true
      end
      assert.equal(#got, #count_received(23))
    end)

    it("duplication and reordering show up as such", function()
      local world, a, b = two_hosts(29, { latency = 0.01, duplicate = 0.2, reorder = 0.3 })
      local got = receive_numbers(b)
      a:spawn(function(socket)
        local tx = socket.udp()
        for i = 1, 200 do
          assert(tx:sendto(tostring(i), "10.0.0.2", 9000))
          socket.select(nil, nil, 0.001)
        end
      end)
      world:run()
      local seen, duplicates, out_of_order, last = {}, 0, 0, 0
      for _, i in ipairs(got) do
        if seen[i] then duplicates = duplicates + 1 end
        seen[i] = true
        if i < last then out_of_order = out_of_order + 1 end
        last = math.max(last, i)
      end
      assert.is_true(duplicates > 0, "no duplicate seen")
      assert.is_true(out_of_order > 0, "nothing reordered")
    end)
  end)
end)
