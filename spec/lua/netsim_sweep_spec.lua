-- netsim.sweep (docs/netsim.md, "Sweeping seeds"): a scenario run under many
-- seeds, in process. Tagged #netsim: these run once, in the sim run.
local netsim = require "netsim"

local planted = require "spec.sweep.lossy_burst"

-- Fails when more than four of ten datagrams are lost, which only some seeds
-- do (the plant of tools/netsim-sweep's own test).
local function lossy_burst(seed)
  local world, received = planted(seed)
  if received < 6 then error(("only %d of 10 received"):format(received), 0) end
  return world
end

describe("netsim.sweep #netsim", function()
  it("names exactly the seeds whose run fails, in order, with each error", function()
    local report = netsim.sweep(lossy_burst, { seeds = 40 })
    local expected = {}
    for seed = 1, 40 do
      if not pcall(lossy_burst, seed) then expected[#expected + 1] = seed end
    end
    assert.is_true(#expected > 0 and #expected < 40, "the plant must fail for some seeds only")
    local named = {}
    for i, failure in ipairs(report.failures) do
      named[i] = failure.seed
      assert.matches("^only %d of 10 received$", failure.error)
    end
    assert.same(expected, named)
    assert.equal(#expected, report.failed)
    assert.equal(40 - #expected, report.passed)
  end)

  it("starts at `first`", function()
    local seen = {}
    netsim.sweep(function(seed) seen[#seen + 1] = seed end, { seeds = 3, first = 41 })
    assert.same({ 41, 42, 43 }, seen)
  end)

  it("with determinism, passes a deterministic scenario and runs it twice per seed", function()
    local calls = 0
    local report = netsim.sweep(function(seed)
      calls = calls + 1
      return lossy_burst(seed)
    end, { seeds = 2, first = 1, determinism = true })
    assert.same({ passed = 2, failed = 0, failures = {} }, report)
    assert.equal(4, calls)
  end)

  -- Tagged #nondeterministic: its worlds differ from run to run on purpose,
  -- so tools/netsim-sweep --determinism leaves it out.
  it("with determinism, flags a world whose trace differs between two runs #nondeterministic", function()
    local report = netsim.sweep(function(seed)
      local world = netsim.world { seed = seed }
      world:note(tostring({}))  -- a table's address: not the same twice
      world:run()
      return world
    end, { seeds = 2, determinism = true })
    assert.equal(2, report.failed)
    assert.matches("^nondeterministic: trace hash %x+, then %x+$", report.failures[1].error)
  end)

  it("with determinism, needs the scenario's world", function()
    local report = netsim.sweep(function() end, { seeds = 1, determinism = true })
    assert.equal("the scenario must return its world for the determinism check", report.failures[1].error)
  end)

  it("raises on a misspelt option, a count out of range and a missing scenario", function()
    assert.error_matches(function() netsim.sweep(lossy_burst, { sedes = 3 }) end,
      "netsim.sweep: unknown sweep option 'sedes'")
    assert.error_matches(function() netsim.sweep(lossy_burst, { seeds = 0 }) end,
      "seeds must be a whole number in %[1, 1000000%], got 0")
    assert.error_matches(function() netsim.sweep(lossy_burst, { seeds = 2.5 }) end, "got 2.5")
    assert.error_matches(function() netsim.sweep(lossy_burst, { determinism = 1 }) end,
      "determinism must be a boolean")
    assert.error_matches(function() netsim.sweep(nil) end, "function expected")
  end)
end)
