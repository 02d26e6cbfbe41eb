-- A planted nondeterminism for tools/netsim-sweep's own test: the run
-- passes, but its trace carries a note that differs from run to run (a
-- fresh table's address), as a program that lets real time or memory
-- layout into the simulation would. The determinism mode must catch it.
local netsim = require "netsim"

local world = netsim.world { seed = tonumber(arg[1]) or 1 }
local h = world:host("h", { "10.0.0.1" })
h:spawn(function(socket) socket.select(nil, nil, 0.5) end)
world:note(tostring({}) .. " " .. tostring(os.clock()))
world:run()
