-- SIGPIPE: a write to a reset peer returns nil, err and never kills the
-- process, and the module does not get there by ignoring (or catching)
-- SIGPIPE for the whole process. Runs child Lua processes, so it is
-- tagged #loopback (the simulated kernel has no signals).

local net = require "spec.support.net"

-- Lua code that prints the SIGPIPE bits of SigIgn and SigCgt as "ign cgt".
local SIGNAL_BITS = [[
local function sigpipe_bits()
  local bits = {}
  for line in io.lines("/proc/self/status") do
    local field, hex = line:match("^(Sig%a%a%a):%s*(%x+)")
    if field == "SigIgn" or field == "SigCgt" then
      -- SIGPIPE is signal 13: bit 12 of the mask; the low 32 bits suffice.
      -- Arithmetic, not bit32: that library is not in every Lua version.
      bits[field] = math.floor(tonumber(hex:sub(-8), 16) / 0x1000) % 2 == 1 and 1 or 0
    end
  end
  return bits.SigIgn .. " " .. bits.SigCgt
end
]]

-- #posix_signals: Windows has no SIGPIPE (platform/windows/README.md).
describe("SIGPIPE #loopback #posix_signals", function()

  it("a child that writes to a reset peer survives and gets nil, err", net.test(function(socket)
    local host, port = net.peer("rst", { read = 1 })
    local output, ok = net.lua_child(([[
      local system = require "system"
      local socket = require "socket"
      local c = assert(socket.tcp())
      assert(c:connect(%q, %d))
      assert(c:write("x"))   -- the peer resets once it has read this byte
      system.sleep(0.2)
      local n, err, sent
      for _ = 1, 100 do
        n, err, sent = c:write(string.rep("x", 4096))
        if not n then break end
        system.sleep(0.01)
      end
      print("survived", tostring(n), tostring(err), type(sent))
    ]]):format(host, port))
    assert.is_true(ok, "child died: " .. output)
    local n, err, sent_type = output:match("^survived\t(%S+)\t([^\t]+)\t(%S+)")
    assert.equal("nil", n, output)
    assert.is_truthy(err, output)
    assert.equal("number", sent_type, output)
  end))

  it("requiring and using socket leaves SIGPIPE neither ignored nor caught", net.test(function(socket)
    local host, port = net.peer("rst", { read = 1 })
    local output, ok = net.lua_child(SIGNAL_BITS .. ([[
      local before = sigpipe_bits()
      local system = require "system"
      local socket = require "socket"
      local after_require = sigpipe_bits()
      local c = assert(socket.tcp())
      assert(c:connect(%q, %d))
      assert(c:write("x"))   -- the peer resets once it has read this byte
      system.sleep(0.2)
      for _ = 1, 100 do
        if not c:write(string.rep("x", 4096)) then break end
        system.sleep(0.01)
      end
      c:close()
      print(before .. "|" .. after_require .. "|" .. sigpipe_bits())
    ]]):format(host, port))
    assert.is_true(ok, "child died: " .. output)
    local before, after_require, after_use = output:match("^(%d %d)|(%d %d)|(%d %d)")
    assert.is_truthy(before, output)
    -- An ignored SIGPIPE is inherited through exec: then nothing can be told.
    assert(before:sub(1, 1) == "0", "cannot check: the test runner already ignores SIGPIPE")
    assert.equal(before, after_require, "require 'socket' changed SIGPIPE (ign cgt)")
    assert.equal(before, after_use, "using a socket changed SIGPIPE (ign cgt)")
  end))

  it("the busted process itself survives a write to a reset peer", net.test(function(socket)
    local host, port = net.peer("rst", { read = 1 })
    local c = assert(socket.tcp())
    assert(c:connect(host, port))
    assert.equal(1, c:write("x"))   -- the peer resets once it has read this byte
    net.sleep(0.2)
    local n, err
    for _ = 1, 100 do
      n, err = c:write(string.rep("x", 4096))
      if not n then break end
      net.sleep(0.01)
    end
    assert.is_nil(n)
    assert.is_string(err)
    c:close()
  end))
end)
