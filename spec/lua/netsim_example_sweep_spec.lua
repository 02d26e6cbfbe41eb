-- examples/netsim_loss_partition.lua for 200 seeds: an example must do what
-- its comment says for every seed, not only for the one it prints. Once its
-- 2 s timeout under loss failed 72 of them. Tagged #netsim: simulated
-- time, so the sweep takes a few seconds of CPU in all.

local EXAMPLE = "examples/netsim_loss_partition.lua"
local SEEDS = 200

-- Runs the example in this process with `seed` as its argument; returns
-- what it printed (lines) or raises with the seed and the error.
local function run_example(seed)
  local lines = {}
  local env = setmetatable({
    arg = { [0] = EXAMPLE, tostring(seed) },
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do parts[i] = tostring(parts[i]) end
      lines[#lines + 1] = table.concat(parts, "\t")
    end,
  }, { __index = _G })
  local chunk = assert(loadfile(EXAMPLE, "t", env))
  local ok, err = pcall(chunk)
  if not ok then error(("seed %d: the example raised: %s"):format(seed, tostring(err)), 0) end
  return lines
end

-- #yield_in_for: the example's server reads with `for line in
-- c:readuntil(...)` on a simulated host, where each read waits by yielding,
-- which Lua 5.1 cannot do from a for's iterator (spec/lua/README.md).
describe("examples/netsim_loss_partition.lua #netsim #yield_in_for", function()

  it("echoes every line through the loss and times out after the partition, for 200 seeds", function()
    local failures = {}
    for seed = 1, SEEDS do
      local ok, result = pcall(run_example, seed)
      local text = ok and table.concat(result, "\n") or result
      if not ok or not text:find("^20 lines echoed through 20%% loss in [%d.]+ virtual s\n")
          or not text:find("\nafter the partition: nil, Operation timed out at t=[%d.]+\n")
          or not text:find("\nseed " .. seed .. ": virtual time") then
        failures[#failures + 1] = ("seed %d:\n%s"):format(seed, text)
      end
    end
    local shown = table.concat(failures, "\n", 1, math.min(#failures, 5))
    assert(#failures == 0, ("%d of %d seeds fail:\n%s"):format(#failures, SEEDS, shown))
  end)

  it("gives the same run for the same seed", function()
    -- All of it but the CPU time it prints last.
    local function run(seed)
      local lines = run_example(seed)
      lines[#lines] = lines[#lines]:gsub(", CPU [%d.]+ s$", "")
      return lines
    end
    assert.same(run(7), run(7))
  end)
end)
