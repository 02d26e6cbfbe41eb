-- sock.buffer and sock.clock (docs/sock.md, "Buffers" and
-- "Module functions").

local support = require "spec.lua.sock_support"

describe("sock.buffer", function()

  it("has a fixed capacity that # reports", support.test(function(sock)
    local buf = sock.buffer(16)
    assert.equal(16, #buf)
    assert.equal(0, #sock.buffer(0))
  end))

  it("tostring() with no arguments copies the whole capacity", support.test(function(sock)
    local buf = sock.buffer(4)
    assert.equal("\0\0\0\0", buf:tostring())
    assert.equal("", sock.buffer(0):tostring())
  end))

  it("tostring(len, offset) copies a range", support.test(function(sock)
    local a, b = support.listener(sock)
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect("127.0.0.1", b))
      assert(c:send("hello world"))
      c:close()
    end)
    sock.newthread(function()
      local s = assert(a:accept())
      local buf = sock.buffer(32)
      local got = 0
      while got < 11 do
        local n = assert(s:recv(buf, 32 - got))
        got = got + n
        -- Data lands at the start of the buffer each time; keep it simple.
        if got < 11 then buf = sock.buffer(32) end
      end
      assert.equal("hello", buf:tostring(5))
      assert.equal("world", buf:tostring(5, 6))
      assert.equal("", buf:tostring(0, 32))
      s:close()
      a:close()
    end)
    support.run(sock)
  end))

  it("raises on a range past the capacity instead of reading out of bounds", support.test(function(sock)
    local buf = sock.buffer(8)
    support.raises(function() buf:tostring(9) end, "tostring", "#1")
    support.raises(function() buf:tostring(4, 5) end, "tostring", "past the end")
    support.raises(function() buf:tostring(1, 9) end, "tostring", "offset")
    support.raises(function() buf:tostring(-1) end, "tostring", "negative")
    support.raises(function() buf:tostring(1, -1) end, "tostring", "offset")
  end))

  it("raises on a bad size", support.test(function(sock)
    support.raises(function() sock.buffer(-1) end, "buffer", "negative")
    support.raises(function() sock.buffer("many") end, "buffer", "#1")
    support.raises(function() sock.buffer() end, "buffer", "#1")
    support.raises(function() sock.buffer(2 ^ 40) end, "buffer", "too large")
  end))

  it("describes itself with tostring()", support.test(function(sock)
    assert.equal("<sock.buffer: 3 bytes>", tostring(sock.buffer(3)))
  end))
end)

describe("sock.clock", function()

  it("is a number of seconds that does not go back", support.test(function(sock)
    local a = sock.clock()
    local b = sock.clock()
    assert.is_number(a)
    assert.is_true(b >= a)
  end))

  it("advances by about the time a thread sleeps", support.test(function(sock)
    local before, after
    sock.newthread(function()
      before = sock.clock()
      sock.sleep(0.05)
      after = sock.clock()
    end)
    support.run(sock)
    assert.is_true(after - before >= 0.05, "slept " .. (after - before))
    assert.is_true(after - before < 5)
  end))

  it("is what expires is measured against", support.test(function(sock)
    local l = support.listener(sock)
    local result
    sock.newthread(function()
      result = { l:accept(sock.clock() + 0.05) }
    end)
    support.run(sock)
    assert.is_nil(result[1])
    assert.equal("timeout", result[2])
  end))
end)
