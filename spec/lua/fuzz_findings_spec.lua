-- Regressions of what a random API driver found (each `it` is the scenario
-- that once crashed, hung or answered wrong). Both kernels unless tagged.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

describe("fuzz findings: sock", function()

  it("connect with no address inside a thread returns instead of crashing", support.test(function(sock)
    local results
    sock.newthread(function()
      local c = assert(sock.tcp())
      results = table.pack(pcall(c.connect, c))
      c:close()
    end)
    support.run(sock)
    assert.is_table(results)
    assert.is_true(results[1], tostring(results[2]))   -- returned, not raised
    -- 0.0.0.0:0 is nowhere to connect to: a failure, named portably
    assert.is_nil(results[2])
    assert.is_string(results[3])
  end))

  it("sleep_until(-math.huge) is a time long past, not no deadline", support.test(function(sock)
    local done = false
    sock.newthread(function()
      sock.sleep_until(-math.huge)
      done = true
    end)
    support.run(sock, 5)
    assert.is_true(done)
  end))

  it("accept(-math.huge) times out at once", support.test(function(sock)
    local l = support.listener(sock)
    local results
    sock.newthread(function() results = table.pack(l:accept(-math.huge)) end)
    support.run(sock, 5)
    assert.is_nil(results[1])
    assert.equal("timeout", results[2])
  end))
end)

describe("fuzz findings: metamethods called with another self", function()

  it("a socket type's __gc with a table or another userdata raises, never crashes", net.test(function(socket)
    local t = assert(socket.tcp())
    local gc = getmetatable(t).__gc
    assert.is_false(pcall(gc, {}))
    assert.is_false(pcall(gc, assert(socket.udp())))
    assert.is_false(pcall(gc, nil))
    t:close()
  end))
end)
