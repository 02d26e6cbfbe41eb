-- Steps of the sweep for the `netsim` module: worlds, hosts, links and
-- faults, runs (with threads that talk across hosts), crashes, and the
-- failures a run reports. They run once, with the sim kernel, outside any
-- host (see harness.lua: `only = "netsim"`).

local steps = {}
local function step(name, body, opts)
  opts = opts or {}
  steps[#steps + 1] = { name = "netsim: " .. name, body = body, only = "netsim", bare = opts.bare }
end

-- A world with hosts a (10.0.0.1) and b (10.0.0.2).
local function two_hosts(t, seed)
  local world = t.netsim.world { seed = seed or 1 }
  local a = t.check(world:host("a", { "10.0.0.1", "fd00::1" }))
  local b = t.check(world:host("b", { "10.0.0.2", "fd00::2" }))
  return world, a, b
end

-- f(...) must fail with an error naming `pattern`.
local function expect_failure(t, pattern, f, ...)
  local ok, err = t.pcall(f, ...)
  t.check(not ok and tostring(err):find(pattern, 1, true), "expected a failure naming " .. pattern .. ": " .. tostring(err))
end

-- A TCP echo server on b:7000, a daemon thread.
local function echo_server(t, b)
  local srv = t.check(b:socket().tcp())
  t.check(srv:bind("10.0.0.2", 7000))
  t.check(srv:listen(8))
  b:spawn(function()
    srv:settimeout(5)
    local c = t.check(srv:accept())
    c:settimeout(5)
    while true do
      local data = c:readany(4096)
      if not data then break end
      t.check(c:write(data))
    end
    c:close()
  end, { daemon = true })
end

-- A client of that server, from a thread on another host.
local function echo_client(t, socket, timeout)
  local c = t.check(socket.tcp())
  c:settimeout(timeout)
  t.check(c:connect("10.0.0.2", 7000))
  return c
end

step("require", function(t)
  t.arm()
  local netsim = require "netsim"
  t.check(netsim.world)
end, { bare = true })

step("the first world (registers the world and host types)", function(t)
  local netsim = require "netsim"
  t.arm()
  local world = netsim.world {}
  t.check(world:host("a"))
end, { bare = true })

step("world", function(t)
  t.arm()
  local world = t.netsim.world { seed = 3 }
  t.check(tostring(world):find("seed 3", 1, true), "tostring")
  t.check(world:now() == 0 and world:seed() == 3, "now, seed")
  t.check(#world:trace_hash() == 16, "trace_hash")
  world:note("a line of our own")
  t.check(world:trace():find("a line of our own", 1, true), "trace")
  local default = t.netsim.world()
  t.check(default:seed() == 1, "default seed")
end)

step("world:host forms, find_host", function(t)
  local world = t.netsim.world {}
  t.arm()
  local a = t.check(world:host("alpha"))
  t.check(world:host("10.0.0.9"))
  t.check(world:host("gamma", { "10.1.0.1", "fd01::1" }))
  local dup, err = world:host("alpha")
  t.check(dup == nil and err, "a taken name")
  t.check(world:find_host("alpha") == a, "find_host")
  t.check(world:find_host("nobody") == nil, "find_host of nobody")
end)

step("world:name and a lookup from a host", function(t)
  local world, a, b = two_hosts(t)
  t.arm()
  t.check(world:name("service.test", { "10.0.0.2" }))
  local found
  a:spawn(function(socket)
    found = t.check(socket.getaddrinfo("service.test", 80))[1].addr
  end)
  world:run()
  t.check(found == "10.0.0.2", "resolved")
end)

step("links and faults", function(t)
  local world, a, b = two_hosts(t)
  t.arm()
  world:link(a, b, { latency = 0.01, jitter = 0.002, bandwidth = 1e6, loss = 0.1, duplicate = 0.05,
                     reorder = 0.1, reorder_delay = 0.01 })
  world:link_one_way(b, a, { latency = 0.02 })
  world:default_link { latency = 0.005 }
  world:partition(a, b)
  world:heal(a, b)
  world:partition_one_way(a, b)
  world:heal_one_way(a, b)
  world:partition(a, b)
  world:heal()
end)

step("host methods", function(t)
  local world, a = two_hosts(t)
  t.arm()
  t.check(a:name() == "a", "name")
  t.check(a:addresses()[1] == "10.0.0.1", "addresses")
  t.check(a:up(), "up")
  t.check(tostring(a):find("a", 1, true), "tostring")
  t.check(a:socket().tcp, "socket")
  t.check(a:sock().tcp, "sock")
  local u = t.check(a:socket().udp("unix"))
  t.check(u:bind("unix:/tmp/netsim-unlink"))
  t.check(a:open_descriptors() == 1, "open_descriptors")
  u:close()
  t.check(a:unlink("/tmp/netsim-unlink"))
  local ok, err = a:unlink("/tmp/netsim-unlink")
  t.check(ok == nil and err, "unlink of a missing path")
end)

step("spawn and run: tcp echo across a lossy link", function(t)
  local world, a, b = two_hosts(t, 5)
  world:link(a, b, { latency = 0.01, loss = 0.2 })
  echo_server(t, b)
  t.arm()
  local echoed
  a:spawn(function(socket)
    local c = echo_client(t, socket, 5)
    t.check(c:write("hello across"))
    echoed = t.check(c:read(12))
    c:close()
  end)
  world:run()
  t.check(echoed == "hello across", echoed)
end)

step("spawn and run: udp with duplication and reordering", function(t)
  local world, a, b = two_hosts(t, 9)
  world:link(a, b, { latency = 0.01, duplicate = 0.3, reorder = 0.3, reorder_delay = 0.02 })
  local rx = t.check(b:socket().udp())
  t.check(rx:bind("10.0.0.2", 9000))
  t.arm()
  local got = 0
  b:spawn(function()
    rx:settimeout(0.5)
    while rx:recv(100) do got = got + 1 end
  end)
  a:spawn(function(socket)
    local tx = t.check(socket.udp())
    for i = 1, 10 do t.check(tx:sendto("n" .. i, "10.0.0.2", 9000)) end
    tx:close()
  end)
  world:run()
  t.check(got >= 10, "received with duplicates")
end)

step("spawn and run: sock threads on a host", function(t)
  local world, a, b = two_hosts(t)
  t.arm()
  local got
  b:spawn(function(socket, sock)
    t.report_errors(sock)
    local l = t.check(sock.tcp())
    t.check(l:listen("10.0.0.2", 7100))
    sock.newthread(function()
      local c = t.check(l:accept(sock.clock() + 5))
      local buf = sock.buffer(16)
      local n = t.check(c:recv(buf, nil, sock.clock() + 5))
      got = buf:tostring(n)
      c:close()
    end)
    t.start(10, sock)
  end)
  a:spawn(function(socket, sock)
    t.report_errors(sock)
    sock.newthread(function()
      local c = t.check(sock.tcp())
      t.check(c:connect("10.0.0.2", 7100, sock.clock() + 5))
      t.check(c:send("sock"))
      c:close()
    end)
    t.start(10, sock)
  end)
  world:run()
  t.check(got == "sock", got)
end)

step("run until a time", function(t)
  local world, a = two_hosts(t)
  t.arm()
  a:spawn(function(socket, sock)
    t.report_errors(sock)
    sock.newthread(function() sock.sleep(5) end)
    t.start(10, sock)
  end)
  t.check(world:run(1) == 1, "stopped at 1")
  t.check(world:run() >= 5, "ran to the end")
end)

step("crash and restart", function(t)
  local world, a, b = two_hosts(t)
  echo_server(t, b)
  t.arm()
  local err
  a:spawn(function(socket)
    local c = echo_client(t, socket, 1)
    b:crash()
    t.check(not b:up(), "down")
    t.check(c:write("anyone?"))
    _, err = c:read(7)
    b:restart()
    c:close()
  end)
  world:run()
  t.check(err, "no answer from a crashed host")
  t.check(b:up(), "up again")
end)

step("a failing thread fails the run, naming the seed", function(t)
  local world, a = two_hosts(t, 11)
  t.arm()
  a:spawn(function() error("deliberate") end)
  expect_failure(t, "deliberate", world.run, world)
end)

step("a deadlock is reported", function(t)
  local world, a, b = two_hosts(t)
  local srv = t.check(b:socket().tcp())
  t.check(srv:bind("10.0.0.2", 7000))
  t.check(srv:listen(8))
  t.arm()
  b:spawn(function() srv:accept() end)
  expect_failure(t, "deadlock", world.run, world)
end)

step("a world collected with its sockets", function(t)
  t.arm()
  do
    local world, a, b = two_hosts(t)
    local s = t.check(a:socket().tcp())
    t.check(s:bind("10.0.0.1", 80))
    local u = t.check(b:sock().udp())
    t.check(u:bind("10.0.0.2", 53))
  end
  collectgarbage()
  collectgarbage()
end)

return steps
