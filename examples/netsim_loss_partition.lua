-- Testing a client and server on the simulated network: the same code that
-- runs on the real kernel, here under 20% packet loss and then a partition,
-- in virtual time and reproducible by seed.
--
--   lua5.2 examples/netsim_loss_partition.lua [seed]
--
-- The server echoes lines. The client sends 20 lines across a lossy link
-- (TCP retransmits: every line arrives, later), then the network is cut and
-- the client's next read times out after 2 virtual seconds.
local netsim = require "netsim"

local seed = tonumber(arg and arg[1]) or 7
local world = netsim.world { seed = seed }
local server_host = world:host("server", { "10.0.0.2" })
local client_host = world:host("client", { "10.0.0.1" })
world:link(client_host, server_host, { latency = 0.010, jitter = 0.005, loss = 0.2 })
world:name("echo.test", { "10.0.0.2" })    -- the world's own name table

server_host:spawn(function(socket)
  local listener = assert(socket.tcp())
  assert(listener:bind("*", 7000))
  assert(listener:listen(8))
  local c = assert(listener:accept())
  for line in c:readuntil("\n") do
    if not c:write(line .. "\n") then break end
  end
  c:close()
end, { daemon = true })  -- a server may wait forever: that is not a deadlock

local report = {}
client_host:spawn(function(socket)
  local c = assert(socket.tcp())
  c:settimeout(2)   -- virtual seconds
  assert(c:connect("echo.test", 7000))
  local replies = c:readuntil("\n")
  local started = world:now()
  for i = 1, 20 do
    assert(c:write(("line %d\n"):format(i)))
    assert(replies() == ("line %d"):format(i))
  end
  report[#report + 1] = ("20 lines echoed through 20%% loss in %.3f virtual s"):format(world:now() - started)

  world:partition(client_host, server_host)
  assert(c:write("into the void\n"))
  local got, err = replies()
  report[#report + 1] = ("after the partition: %s, %s at t=%.3f"):format(tostring(got), err, world:now())
  world:heal()
  c:close()
end)

local wall = os.clock()
world:run()
for _, line in ipairs(report) do print(line) end
print(("seed %d: virtual time %.3f s, trace %s, CPU %.3f s"):format(
  seed, world:now(), world:trace_hash(), os.clock() - wall))
