-- How fast the simulated network runs (a benchmark, not a test).
--
--   LUA_PATH="build/?.lua;;" LUA_CPATH="build/?.so;;" lua5.2 tools/bench/sim_speed.lua [connections] [messages] [hosts]
--
-- 1. A 10-second idle wait: how many virtual seconds pass per real second
--    (the clock jumps to the next event, so this should be huge).
-- 2. `connections` simulated clients (default 1000), each exchanging
--    `messages` (default 100) 64-byte echo round trips with one server, on
--    a 1 ms link: wall time, CPU time, the time spent waiting for a CPU
--    (runnable but not running: other jobs had the cores), virtual time and
--    messages per wall second.
-- 3. `hosts` simulated hosts (default 10000, third argument), each with one
--    connection to one server (backlog 4096, so some SYNs are retried as on
--    Linux) and one 5-byte echo: time, failures and the process's peak memory.
local netsim = require "netsim"

local connections = tonumber(arg[1]) or 1000
local messages = tonumber(arg[2]) or 100
local host_count = tonumber(arg[3]) or 10000

-- Real time from luasystem (installed with busted); CPU time without it.
local has_system, system = pcall(require, "system")
local wall = has_system and system.monotime or os.clock

-- Seconds this process has spent runnable but waiting for a CPU (Linux's
-- /proc/self/schedstat, second field), or nil where the system does not
-- tell: on a shared machine it is most of the gap between wall and CPU time.
local function cpu_wait()
  local file = io.open("/proc/self/schedstat")
  if not file then return nil end
  local waited = file:read("*l"):match("^%d+ (%d+)")
  file:close()
  return waited and tonumber(waited) / 1e9
end

-- A host "server" at `ip` that accepts on port 7000 (backlog 4096) and runs
-- serve(connection) in a daemon thread per connection, then closes it.
local function echo_server(world, ip, serve)
  local server = world:host("server", { ip })
  local listener = assert(server:socket().tcp())
  assert(listener:bind(ip, 7000))
  assert(listener:listen(4096))
  server:spawn(function()
    while true do
      local c = listener:accept()
      if not c then break end
      server:spawn(function()
        serve(c)
        c:close()
      end, { daemon = true })
    end
  end, { daemon = true })
  return server
end

-- 1. Idle wait.
do
  local world = netsim.world { seed = 1 }
  local h = world:host("idle", { "10.0.0.1" })
  h:spawn(function(socket) socket.select(nil, nil, 10) end)
  local started = wall()
  world:run()
  local spent = math.max(wall() - started, 1e-6)
  print(("idle wait: %.1f virtual s in %.6f real s = %.3g virtual s per real s"):format(
    world:now(), spent, world:now() / spent))
end

-- 2. Many connections.
do
  local world = netsim.world { seed = 1 }
  local server = echo_server(world, "10.0.0.2", function(c)
    while true do
      local data = c:readany(4096)
      if not data then break end
      c:write(data)
    end
  end)
  local clients = world:host("clients", { "10.0.0.1" })
  world:link(server, clients, { latency = 0.001 })
  local done, failures = 0, 0
  local message = ("m"):rep(64)
  for _ = 1, connections do
    clients:spawn(function(socket)
      local c = socket.tcp()
      if not c:connect("10.0.0.2", 7000) then failures = failures + 1 return end
      for _ = 1, messages do
        c:write(message)
        if c:read(64) ~= message then failures = failures + 1 break end
      end
      c:close()
      done = done + 1
    end)
  end
  local started, started_cpu, started_wait = wall(), os.clock(), cpu_wait()
  world:run()
  local spent, cpu = wall() - started, os.clock() - started_cpu
  local ended_wait = cpu_wait()
  local waited = started_wait and ended_wait and ("%.2f s"):format(ended_wait - started_wait) or "n/a"
  -- CPU time too: on a busy machine it says more than wall time does, and
  -- the time spent waiting for a CPU says how busy it was.
  print(("%d connections x %d messages: %.2f s wall, %.2f s CPU, %s waiting for a CPU, %.3f virtual s, %d done, %d failed, %.0f messages per wall s"):format(
    connections, messages, spent, cpu, waited, world:now(), done, failures, connections * messages / spent))
end

-- 3. Many hosts.
do
  local world = netsim.world { seed = 1 }
  echo_server(world, "10.255.255.254", function(c)
    local data = c:readany(64)
    if data then c:write(data) end
  end)
  local done, failures = 0, 0
  local started = wall()
  for i = 1, host_count do
    local ip = ("10.%d.%d.%d"):format(math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
    world:host("client" .. i, { ip }):spawn(function(socket)
      local c = socket.tcp()
      if not c:connect("10.255.255.254", 7000) then failures = failures + 1 return end
      c:write("hello")
      if c:read(5) == "hello" then done = done + 1 else failures = failures + 1 end
      c:close()
    end)
  end
  world:run()
  local spent = wall() - started
  -- Peak resident memory of the whole process, where the system tells it.
  local peak = "n/a"
  local status = io.open("/proc/self/status")
  if status then
    for line in status:lines() do
      local kib = line:match("^VmHWM:%s+(%d+) kB")
      if kib then peak = ("%.0f MiB"):format(tonumber(kib) / 1024) end
    end
    status:close()
  end
  print(("%d hosts, one connection each: %.2f s wall (setup included), %.3f virtual s, %d done, %d failed, peak memory %s"):format(
    host_count, spent, world:now(), done, failures, peak))
end
