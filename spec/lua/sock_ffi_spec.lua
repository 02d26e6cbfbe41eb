-- sock on LuaJIT: ffi cdata pointers and arrays, with a length, as the
-- bytes of tcp and udp send and recv (docs/sock.md, "LuaJIT: ffi cdata").
-- Only LuaJIT has ffi: on every other Lua each test here is pending, and
-- says so in the output; none is counted as passed.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

local ffi = rawget(_G, "jit") and require "ffi"

-- it(name, luajit_only(function(sock) ... end)): support.test on LuaJIT,
-- a pending test that names the Lua elsewhere.
local function luajit_only(body)
  if ffi then return support.test(body) end
  return function() pending("ffi cdata buffers are LuaJIT's; this is " .. _VERSION) end
end

-- A fresh array holding `text`, and its size.
local function array_of(text)
  local a = ffi.new("uint8_t[?]", #text)
  ffi.copy(a, text, #text)
  return a, #text
end

-- A connected pair: on_server(conn) and on_client(conn) each run in their
-- own thread; both sockets (and the listener) are closed afterwards.
local function tcp_pair(sock, on_server, on_client, limit)
  local l, port = support.listener(sock)
  sock.newthread(function()
    local c = assert(l:accept(sock.clock() + 5))
    l:close()
    on_server(c)
    c:close()
  end)
  sock.newthread(function()
    local c = assert(sock.tcp())
    assert(c:connect(net.host, port, sock.clock() + 5))
    on_client(c)
    c:close()
  end)
  support.run(sock, limit)
end

local function bound_udp(sock)
  local u = assert(sock.udp())
  assert(u:bind(net.host, 0))
  return u, u:getsockname():port()
end

-- Receives exactly `size` bytes into the cdata pointer `p` (recv at p + got).
local function recv_exactly(c, p, size, expires)
  local got = 0
  while got < size do
    local n = assert(c:recv(p + got, size - got, expires))
    got = got + n
  end
end

describe("tcp send and recv with ffi cdata", function()

  it("send takes an array, a pointer and an offset pointer; recv fills an array and an offset pointer",
    luajit_only(function(sock)
      local got
      tcp_pair(sock, function(c)
        local into = ffi.new("uint8_t[?]", 64)
        local p = ffi.cast("uint8_t *", into)
        local have = 0
        while have < 16 do
          -- The first recv into the array itself, the rest at an offset.
          local n = assert(c:recv(have == 0 and into or p + have, 64 - have, sock.clock() + 5))
          have = have + n
        end
        got = ffi.string(into, have)
      end, function(c)
        local a = array_of("hello, cdata world")
        assert.equal(5, c:send(a, 5))                              -- "hello"
        local p = ffi.cast("char *", a)
        assert.equal(1, c:send(p + 5, 1))                          -- ","
        assert.equal(10, c:send(p + 8, 10))                        -- "data world"
      end)
      assert.equal("hello,data world", got)
    end))

  it("send takes a pointer to const bytes (a string cast), and length 0 sends nothing", luajit_only(function(sock)
    local got
    tcp_pair(sock, function(c)
      got = support.read_all(sock, c, nil, sock.clock() + 5)
    end, function(c)
      local text = "const bytes"
      assert.equal(#text, c:send(ffi.cast("const char *", text), #text))
      assert.equal(0, c:send(ffi.new("char[1]"), 0))
      assert.equal(0, c:send(ffi.cast("const char *", nil), 0))    -- NULL with length 0
    end)
    assert.equal("const bytes", got)
  end))

  it("recv into a cdata waits for data that has not arrived yet, and keeps an ffi.new array alive",
    luajit_only(function(sock)
      local weak = setmetatable({}, { __mode = "v" })
      local alive_during_wait, control_collected, received, waited
      tcp_pair(sock, function(c)
        local started = sock.clock()
        -- The array's only strong reference is the argument of the call.
        local n = assert(c:recv((function()
          local a = ffi.new("uint8_t[?]", 32)
          weak[1] = a
          return a
        end)(), 32, sock.clock() + 5))
        waited = sock.clock() - started
        -- Not luassert's assert: it would keep its arguments (and the array).
        if weak[1] == nil then error("the array was collected while recv waited into it") end
        received = ffi.string(weak[1], n)
      end, function(c)
        sock.sleep(0.2)
        -- The control: an array nothing holds goes in the same collection.
        weak[2] = ffi.new("uint8_t[?]", 32)
        collectgarbage("collect")
        collectgarbage("collect")
        alive_during_wait = weak[1] ~= nil
        control_collected = weak[2] == nil
        assert.equal(4, c:send(array_of("late"), 4))
      end)
      assert.is_true(control_collected)
      assert.is_true(alive_during_wait)
      assert.is_true(waited >= 0.15, "recv returned after " .. waited .. " s: it did not wait")
      assert.equal("late", received)
    end))

  it("send from a cdata waits as often as it takes and sends every byte to a slow reader", luajit_only(function(sock)
    local size = 2 * 1024 * 1024
    local payload = net.filler(size)
    local received
    tcp_pair(sock, function(c)
      sock.sleep(0.2)                         -- the sender fills the kernel's buffers and waits
      local into = ffi.new("uint8_t[?]", size)
      recv_exactly(c, ffi.cast("uint8_t *", into), size, sock.clock() + 30)
      received = ffi.string(into, size)
    end, function(c)
      local a = array_of(payload)
      assert.equal(size - 7, c:send(ffi.cast("const uint8_t *", a) + 7, size - 7, sock.clock() + 30))
      assert.equal(7, c:send(a, 7, sock.clock() + 30))
    end, 60)
    assert.equal(size, #received)
    assert.is_true(received == payload:sub(8) .. payload:sub(1, 7))
  end))
end)

describe("udp send and recv with ffi cdata", function()

  it("carry a datagram both ways: from an array to an offset pointer, and back to its sender's sa",
    luajit_only(function(sock)
      local a, a_port = bound_udp(sock)
      local b, b_port = bound_udp(sock)
      local at_b, from_b, echoed
      sock.newthread(function()
        local room = ffi.new("uint8_t[?]", 64)
        local p = ffi.cast("uint8_t *", room) + 10
        local n, sa = assert(b:recv(p, 54, sock.clock() + 5))
        at_b = ffi.string(p, n)
        assert.equal(a_port, sa:port())
        assert.equal(n, b:send(p, n, sa, sock.clock() + 5))
      end)
      sock.newthread(function()
        local data, size = array_of("datagram")
        assert.equal(size, a:send(data, size, net.host, b_port, sock.clock() + 5))
        local back = ffi.new("char[16]")
        local n, sa = assert(a:recv(back, 16, sock.clock() + 5))
        echoed, from_b = ffi.string(back, n), sa:port()
      end)
      support.run(sock)
      assert.equal("datagram", at_b)
      assert.equal("datagram", echoed)
      assert.equal(b_port, from_b)
      a:close()
      b:close()
    end))

  it("send on a connected socket takes a cdata without an address; recv cuts to the length",
    luajit_only(function(sock)
      local a = bound_udp(sock)
      local b, b_port = bound_udp(sock)
      assert.is_true(a:connect(net.host, b_port))
      local got
      sock.newthread(function()
        local room = ffi.new("char[8]")
        local n = assert(b:recv(room, 3, sock.clock() + 5))
        got = ffi.string(room, n)
      end)
      sock.newthread(function()
        assert.equal(6, a:send(array_of("abcdef"), 6))
      end)
      support.run(sock)
      assert.equal("abc", got)
      a:close()
      b:close()
    end))

  it("recv into a cdata waits for a datagram that has not arrived yet", luajit_only(function(sock)
    local a = bound_udp(sock)
    local b, b_port = bound_udp(sock)
    local got, waited
    sock.newthread(function()
      local started = sock.clock()
      local room = ffi.new("uint8_t[?]", 16)
      local n = assert(b:recv(ffi.cast("uint8_t *", room) + 1, 15, sock.clock() + 5))
      waited = sock.clock() - started
      got = ffi.string(room + 1, n)
    end)
    sock.newthread(function()
      sock.sleep(0.2)
      collectgarbage("collect")
      assert.equal(5, a:send(array_of("later"), 5, net.host, b_port))
    end)
    support.run(sock)
    assert.is_true(waited >= 0.15, "recv returned after " .. waited .. " s: it did not wait")
    assert.equal("later", got)
    a:close()
    b:close()
  end))
end)

describe("bad cdata arguments", function()

  -- Each call raises, naming the method and saying what is wrong.
  local function check_bad_arguments(call, name)
    local a = ffi.new("uint8_t[?]", 8)
    local p = ffi.cast("char *", a)
    local null = ffi.cast("char *", nil)
    local cases = {
      { "length (a number) required", function() call(a) end },
      { "length (a number) required", function() call(p, nil) end },
      { "length (a number) required", function() call(p, "4") end },
      { "length must not be negative", function() call(a, -1) end },
      { "length is NaN", function() call(a, 0 / 0) end },
      { "length must be a whole number", function() call(p, 1.5) end },
      { "length too large", function() call(p, math.huge) end },
      { "NULL cdata pointer with a non-zero length", function() call(null, 1) end },
      { "NULL cdata pointer with a non-zero length", function() call(null + 16, 4) end },
      -- Not an address at all, even when its value would be one.
      { "cdata pointer or array expected, got int64_t", function() call(ffi.new("int64_t", 5), 1) end },
      -- LuaJIT names intptr_t and uintptr_t by what they are (int64_t, ...).
      { "cdata pointer or array expected, got ", function() call(ffi.cast("intptr_t", a), 1) end },
      { "cdata pointer or array expected, got ", function() call(ffi.cast("uintptr_t", a), 1) end },
      { "cdata pointer or array expected, got double", function() call(ffi.new("double", 1), 1) end },
      { "cdata pointer or array expected, got struct", function() call(ffi.new("struct { char c[8]; }"), 1) end },
      { "cdata pointer or array expected, got void (*)", function() call(ffi.cast("void (*)(void)", a), 1) end },
    }
    for _, case in ipairs(cases) do
      local msg = support.raises(case[2], name)
      assert(msg:find(case[1], 1, true), "expected '" .. case[1] .. "' in: " .. msg)
    end
  end

  it("tcp send and recv raise for a missing, negative, NaN, fractional or huge length, NULL, a non-pointer",
    luajit_only(function(sock)
      tcp_pair(sock, function(c)
        check_bad_arguments(function(...) return c:recv(...) end, "recv")
        -- recv: nothing to receive into, or read-only bytes.
        support.raises(function() c:recv(ffi.new("char[4]"), 0) end, "recv", "length must be positive")
        support.raises(function() c:recv(ffi.cast("char *", nil), 0) end, "recv", "length must be positive")
        support.raises(function() c:recv(ffi.cast("const char *", "abc"), 3) end, "recv", "must not be const")
        support.raises(function() c:recv(ffi.new("const char[4]"), 4) end, "recv", "must not be const")
      end, function(c)
        check_bad_arguments(function(...) return c:send(...) end, "send")
        -- The connection still works after all that.
        assert.equal(2, c:send(array_of("ok"), 2))
      end)
    end))

  it("udp send and recv raise for the same arguments", luajit_only(function(sock)
    local a = bound_udp(sock)
    local _, b_port = bound_udp(sock)
    assert.is_true(a:connect(net.host, b_port))
    sock.newthread(function()
      check_bad_arguments(function(...) return a:send(...) end, "send")
      check_bad_arguments(function(...) return a:recv(...) end, "recv")
      -- With an address after it, a cdata still needs its length.
      support.raises(function() a:send(ffi.new("char[4]"), net.host, b_port) end, "send", "length")
      support.raises(function() a:recv(ffi.cast("const char *", "abc"), 3) end, "recv", "must not be const")
    end)
    support.run(sock)
    a:close()
  end))

  it("the error for a value that is no bytes at all names the cdata form too", luajit_only(function(sock)
    local a = bound_udp(sock)
    sock.newthread(function()
      support.raises(function() a:send(42) end, "send", "string or sock.buffer (or a cdata pointer or array)")
      support.raises(function() a:recv("x") end, "recv", "sock.buffer (or a cdata pointer or array)")
    end)
    support.run(sock)
    a:close()
  end))
end)
