-- The planted seed-dependent scenario of the sweep tests: ten datagrams
-- cross a link that loses 30%. Returns the world (run to its end) and how
-- many datagrams arrived; more than four lost happens for some seeds only,
-- and which ones depends on nothing but the world's random source.
--
--   local lossy_burst = require "spec.sweep.lossy_burst"
--   local world, received = lossy_burst(seed)
local netsim = require "netsim"

return function(seed)
  local world = netsim.world { seed = seed }
  local a = world:host("a", { "10.0.0.1" })
  local b = world:host("b", { "10.0.0.2" })
  world:link(a, b, { latency = 0.001, loss = 0.3 })
  local received = 0
  b:spawn(function(socket)
    local u = assert(socket.udp())
    assert(u:bind("10.0.0.2", 9000))
    u:settimeout(1)
    while u:recv(100) do received = received + 1 end
  end)
  a:spawn(function(socket)
    local u = assert(socket.udp())
    for i = 1, 10 do assert(u:sendto("datagram " .. i, "10.0.0.2", 9000)) end
  end)
  world:run()
  return world, received
end
