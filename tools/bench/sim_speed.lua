-- How fast the simulated network runs (a benchmark, not a test).
--
--   LUA_PATH="build/?.lua;;" LUA_CPATH="build/?.so;;" lua5.2 tools/bench/sim_speed.lua [connections] [messages]
--
-- 1. A 10-second idle wait: how many virtual seconds pass per real second
--    (the clock jumps to the next event, so this should be huge).
-- 2. `connections` simulated clients (default 1000), each exchanging
--    `messages` (default 100) 64-byte echo round trips with one server, on
--    a 1 ms link: wall time, virtual time and messages per wall second.
local netsim = require "netsim"

local connections = tonumber(arg[1]) or 1000
local messages = tonumber(arg[2]) or 100

-- Real time from luasystem (installed with busted); CPU time without it.
local has_system, system = pcall(require, "system")
local wall = has_system and system.monotime or os.clock

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
  local server = world:host("server", { "10.0.0.2" })
  local clients = world:host("clients", { "10.0.0.1" })
  world:link(server, clients, { latency = 0.001 })
  local listener = assert(server:socket().tcp())
  assert(listener:bind("10.0.0.2", 7000))
  assert(listener:listen(4096))
  server:spawn(function()
    while true do
      local c = listener:accept()
      if not c then break end
      server:spawn(function()
        while true do
          local data = c:readany(4096)
          if not data then break end
          c:write(data)
        end
        c:close()
      end, { daemon = true })
    end
  end, { daemon = true })
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
  local started = wall()
  world:run()
  local spent = wall() - started
  print(("%d connections x %d messages: %.2f s wall, %.3f virtual s, %d done, %d failed, %.0f messages per wall s"):format(
    connections, messages, spent, world:now(), done, failures, connections * messages / spent))
end
