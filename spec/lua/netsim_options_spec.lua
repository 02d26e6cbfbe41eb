-- netsim's option tables: a misspelt option or a value out of range is a
-- raised error that names the call, the option and what is accepted
-- (docs/netsim.md). Tagged #netsim: these run once, in the sim run.
local netsim = require "netsim"

local LINK_OPTIONS = "(latency, jitter, bandwidth, loss, duplicate, reorder, reorder_delay)"

-- The message of the error `f` raises (fails when it does not raise).
local function raised(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

local function two_hosts()
  local world = netsim.world { seed = 1 }
  return world, world:host("a", { "10.0.0.1" }), world:host("b", { "10.0.0.2" })
end

describe("netsim option tables #netsim", function()
  describe("unknown option names", function()
    it("world:link names the call, the misspelt option and the valid ones", function()
      local world, a, b = two_hosts()
      local err = raised(world.link, world, a, b, { lattency = 0.1 })
      assert.equal("world:link: unknown link option 'lattency' " .. LINK_OPTIONS, err)
    end)

    it("world:link_one_way and world:default_link name themselves", function()
      local world, a, b = two_hosts()
      assert.equal("world:link_one_way: unknown link option 'los' " .. LINK_OPTIONS,
        raised(world.link_one_way, world, a, b, { los = 0.1 }))
      assert.equal("world:default_link: unknown link option 'delay' " .. LINK_OPTIONS,
        raised(world.default_link, world, { delay = 0.1 }))
    end)

    it("a key that is not a name is unknown too", function()
      local world, a, b = two_hosts()
      assert.equal("world:link: unknown link option [1] " .. LINK_OPTIONS, raised(world.link, world, a, b, { 0.1 }))
    end)

    it("a rejected link table leaves the link as it was", function()
      local world, a, b = two_hosts()
      world:link(a, b, { latency = 0.25 })
      raised(world.link, world, a, b, { latency = 0.5, lattency = 1 })
      raised(world.link, world, a, b, { latency = 0.5, loss = 2 })
      local connected_at
      a:spawn(function(socket)
        local c = socket.tcp()
        local started = world:now()
        assert(c:connect("10.0.0.2", 7000) == nil)   -- refused after one round trip
        connected_at = world:now() - started
      end)
      world:run()
      assert.near(0.5, connected_at, 1e-6)
    end)

    it("netsim.world names its options", function()
      assert.equal("netsim.world: unknown world option 'sed' (seed, trace)", raised(netsim.world, { sed = 3 }))
    end)

    it("host:spawn names its options", function()
      local _, a = two_hosts()
      assert.equal("host:spawn: unknown spawn option 'deamon' (daemon)",
        raised(a.spawn, a, function() end, { deamon = true }))
    end)
  end)

  describe("values out of range", function()
    it("a probability above 1 names the call, the field, the range and the value", function()
      local world, a, b = two_hosts()
      assert.equal("world:link: loss must be a number in [0, 1], got 1.5",
        raised(world.link, world, a, b, { loss = 1.5 }))
      assert.equal("world:link: duplicate must be a number in [0, 1], got -0.1",
        raised(world.link, world, a, b, { duplicate = -0.1 }))
      assert.equal("world:default_link: reorder must be a number in [0, 1], got 2",
        raised(world.default_link, world, { reorder = 2 }))
    end)

    it("a negative or infinite time or bandwidth is refused", function()
      local world, a, b = two_hosts()
      assert.equal("world:link: latency must be a finite number >= 0, got -1",
        raised(world.link, world, a, b, { latency = -1 }))
      assert.equal("world:link_one_way: jitter must be a finite number >= 0, got inf",
        raised(world.link_one_way, world, a, b, { jitter = math.huge }))
      assert.equal("world:link: bandwidth must be a finite number >= 0, got -5",
        raised(world.link, world, a, b, { bandwidth = -5 }))
      assert.matches("^world:link: reorder_delay must be a finite number >= 0, got %-?nan$",
        raised(world.link, world, a, b, { reorder_delay = 0 / 0 }))
    end)

    it("a value that is not a number says what it got", function()
      local world, a, b = two_hosts()
      assert.equal("world:link: latency must be a finite number >= 0, got string",
        raised(world.link, world, a, b, { latency = "fast" }))
      assert.equal("world:link: loss must be a number in [0, 1], got table",
        raised(world.link, world, a, b, { loss = {} }))
    end)

    it("the edges of the ranges are accepted", function()
      local world, a, b = two_hosts()
      world:link(a, b, { latency = 0, jitter = 0, bandwidth = 0, loss = 0, duplicate = 1, reorder = 1,
        reorder_delay = 0 })
      world:link(a, b, { loss = 1, duplicate = 0, reorder = 0 })
    end)

    it("netsim.world: the seed's range, with what it got", function()
      assert.equal("netsim.world: seed must be a whole number in [0, 2^53), got -1", raised(netsim.world, { seed = -1 }))
      assert.equal("netsim.world: seed must be a whole number in [0, 2^53), got 1.5", raised(netsim.world, { seed = 1.5 }))
      assert.equal("netsim.world: seed must be a whole number in [0, 2^53), got boolean",
        raised(netsim.world, { seed = true }))
    end)

    it("host:spawn: daemon must be a boolean", function()
      local _, a = two_hosts()
      assert.equal("host:spawn: daemon must be a boolean, got number", raised(a.spawn, a, function() end, { daemon = 1 }))
    end)
  end)
end)
