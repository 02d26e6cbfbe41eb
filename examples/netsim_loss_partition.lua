-- Testing a client and server on the simulated network: the same code that
-- runs on the real kernel, here under 20% packet loss and then a partition,
-- in virtual time and reproducible by seed.
--
--   lua5.2 examples/netsim_loss_partition.lua [seed]
--
-- The server echoes lines. The client sends 20 lines across a lossy link
-- and waits for each echo without a timeout: TCP retransmits, with a backoff
-- that doubles after each loss, so every line arrives, later (a line that
-- meets several losses in a row can take a minute of virtual time; only 15
-- lost retransmissions in a row, which no seed of the sweep meets, would
-- make TCP give up, and the report would then say so). Then the network is
-- cut, and the client's next read, now with a 2-second timeout, times out.
-- spec/lua/netsim_example_sweep_spec.lua runs it for 200 seeds.
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
  -- Blocking (no timeout) under loss: a timeout shorter than TCP's backoff
  -- would fail a connection that is only slow.
  local ok, err = c:connect("echo.test", 7000)
  if not ok then
    report[#report + 1] = "connect failed under 20% loss: " .. err
    return
  end
  local replies = c:readuntil("\n")
  local started = world:now()
  for i = 1, 20 do
    local sent, write_err = c:write(("line %d\n"):format(i))
    local echoed, read_err = replies()
    if not sent or echoed ~= ("line %d"):format(i) then
      report[#report + 1] = ("line %d lost: TCP gave up (%s)"):format(i, tostring(write_err or read_err))
      c:close()
      return
    end
  end
  report[#report + 1] = ("20 lines echoed through 20%% loss in %.3f virtual s"):format(world:now() - started)

  c:settimeout(2)   -- virtual seconds
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
