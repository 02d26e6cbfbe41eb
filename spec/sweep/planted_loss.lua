-- A planted seed-dependent failure for tools/netsim-sweep's own test: the
-- run fails when more than four of ten datagrams are lost on a 30% lossy
-- link (spec/sweep/lossy_burst.lua), so the sweep must name exactly the
-- seeds for which this script, run on its own, fails.
--
--   lua5.2 spec/sweep/planted_loss.lua SEED      (from the repository root)
local lossy_burst = require "spec.sweep.lossy_burst"

local seed = assert(tonumber(arg[1]), "usage: planted_loss.lua SEED")
local _, received = lossy_burst(seed)
print(("seed %d: %d of 10 received"):format(seed, received))
if received < 6 then
  io.stderr:write("planted failure: more than four datagrams lost\n")
  os.exit(1)
end
