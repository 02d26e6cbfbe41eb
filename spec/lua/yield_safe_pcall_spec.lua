-- socket.pcall / socket.xpcall and sock.pcall / sock.xpcall: a wait inside
-- them yields across them on every Lua (docs/socket.md, docs/sock.md). On
-- 5.2+ and LuaJIT they are the base library's; on 5.1 they run the function
-- in a coroutine of their own, whose waits belong to the thread that
-- called them. These specs call the modules' functions by name, never the
-- global pcall (which spec/support/net.lua sets to them on 5.1).

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

local SLACK = 0.6

-- A connected pair on the test host, with no data in flight.
local function tcp_pair(socket)
  local l = assert(socket.tcp())
  assert(l:bind(net.host, 0))
  assert(l:listen())
  local c = assert(socket.tcp())
  assert(c:connect(net.host, l:getsockname().port))
  local s = assert(l:accept())
  l:close()
  return c, s
end

describe("socket.pcall and socket.xpcall", function()

  it("let a read wait inside them until its timeout", net.test(function(socket)
    local c, s = tcp_pair(socket)
    c:settimeout(0.2)
    local started = net.clock()
    local ok, data, err, partial = socket.pcall(function() return c:read(1) end)
    local took = net.clock() - started
    assert.is_true(ok)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.equal("", partial)
    assert.is_true(took >= 0.2 - 1e-6 and took < 0.2 + SLACK, "took " .. took)
    c:close()
    s:close()
  end))

  it("return what the function returned after a wait, nested", net.test(function(socket)
    local c, s = tcp_pair(socket)
    assert(s:write("abc"))
    c:settimeout(5)
    local ok, inner_ok, data = socket.pcall(function(size)
      return socket.pcall(function() return c:read(size) end)
    end, 3)
    assert.is_true(ok)
    assert.is_true(inner_ok)
    assert.equal("abc", data)
    c:close()
    s:close()
  end))

  it("catch an error raised after a wait, and the caller goes on", net.test(function(socket)
    local c, s = tcp_pair(socket)
    c:settimeout(0.05)
    local ok, err = socket.pcall(function()
      c:read(1)
      error({ code = 7 })
    end)
    assert.is_false(ok)
    assert.equal(7, err.code)
    -- The caller's own calls still wait as usual.
    assert(s:write("z"))
    assert.equal("z", c:read(1))
    c:close()
    s:close()
  end))

  it("xpcall passes its arguments and gives the handler's result", net.test(function(socket)
    local c, s = tcp_pair(socket)
    c:settimeout(0.05)
    local ok, message = socket.xpcall(function(a, b)
      c:read(1)
      error(a + b, 0)
    end, function(e) return "handled " .. e end, 1, 2)
    assert.is_false(ok)
    assert.equal("handled 3", message)
    local fine, x, y = socket.xpcall(function(a, b)
      assert.is_nil(c:read(1))
      return b, a
    end, error, "p", "q")
    assert.is_true(fine)
    assert.same({ "q", "p" }, { x, y })
    c:close()
    s:close()
  end))

  it("call C functions and callable tables, and report what cannot be called", net.test(function(socket)
    assert.same({ true, 3 }, { socket.pcall(select, "#", 1, 2, 3) })
    local callable = setmetatable({}, { __call = function(_, v) return v * 2 end })
    assert.same({ true, 42 }, { socket.pcall(callable, 21) })
    local ok, err = socket.pcall(nil)
    assert.is_false(ok)
    assert.is_string(err)
    assert.same({ false, "handled" }, { socket.xpcall(nil, function() return "handled" end) })
  end))
end)

describe("sock.pcall and sock.xpcall", function()

  it("let a thread wait inside them while the others run", support.test(function(sock)
    local order, results = {}, nil
    sock.newthread(function()
      results = { sock.pcall(function(x)
        sock.sleep(0.01)
        order[#order + 1] = "a"
        return x, "b"
      end, "x") }
    end)
    sock.newthread(function() order[#order + 1] = "b" end)
    support.run(sock)
    assert.same({ "b", "a" }, order)
    assert.same({ true, "x", "b" }, results)
  end))

  it("let a recv wait inside nested calls until the data comes", support.test(function(sock)
    local l, port = support.listener(sock)
    local got
    sock.newthread(function()
      local s = assert(l:accept())
      sock.sleep(0.02)
      assert(s:send("hi"))
      s:close()
      l:close()
    end)
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(net.host, port))
      local buf = sock.buffer(2)
      got = { sock.pcall(sock.xpcall, function()
        local n = assert(c:recv(buf, 2))
        return buf:tostring(n)
      end, error) }
      c:close()
    end)
    support.run(sock)
    assert.same({ true, true, "hi" }, got)
  end))

  it("catch an error raised after a wait; the thread goes on waiting", support.test(function(sock)
    local results = {}
    sock.newthread(function()
      local ok, err = sock.pcall(function()
        sock.sleep(0.001)
        error({ code = 7 })
      end)
      results[1] = { ok, err.code }
      results[2] = { sock.xpcall(function(a)
        sock.sleep(0.001)
        error(a, 0)
      end, function(e) return e .. "!" end, "boom") }
      sock.sleep(0.001)
      results[3] = "after"
    end)
    support.run(sock)
    assert.same({ { false, 7 }, { false, "boom!" }, "after" }, results)
  end))

  it("outside a thread a wait inside them raises as it does without them", support.test(function(sock)
    local ok, err = sock.pcall(sock.sleep, 0.01)
    assert.is_false(ok)
    assert.matches("sock.newthread", err)
  end))
end)

describe("a wait in a coroutine nested in a host thread #netsim", function()

  -- The shape of lua-coxpcall (which copas users on 5.1 use) or any
  -- scheduler-in-a-thread: the coroutine's yields go on to the host thread's
  -- resumer, and what resumes the host thread resumes the coroutine.
  local function pass_through(f, ...)
    local co = coroutine.create(f)
    local function settle(ok, ...)
      if coroutine.status(co) == "dead" then return ok, ... end
      return settle(coroutine.resume(co, coroutine.yield(...)))
    end
    return settle(coroutine.resume(co, ...))
  end

  it("belongs to the host thread, which the world resumes when it ends", function()
    local netsim = require "netsim"
    local world = netsim.world { seed = 1 }
    local host = world:host("a", { "10.0.0.1" })
    local results, took
    host:spawn(function(socket)
      local u = assert(socket.udp())
      assert(u:bind("10.0.0.1", 0))
      u:settimeout(0.5)
      local started = world:now()
      results = { pass_through(function() return u:recv(10) end) }
      took = world:now() - started
      u:close()
    end)
    world:run(10)
    assert.same({ true, nil, "Operation timed out" }, { results[1], results[2], results[3] })
    assert.is_true(math.abs(took - 0.5) < 1e-9, "took " .. tostring(took))
  end)
end)
