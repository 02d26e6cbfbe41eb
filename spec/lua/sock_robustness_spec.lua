-- Whatever a script passes, the sock module raises or returns nil, err:
-- it never crashes, never hangs, and leaves no descriptor behind.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

-- Values no function expects (and a few it does, in the wrong place).
local function odd_values(sock)
  return { nil, true, false, 0, -1, 1.5, 2 ^ 53, -2 ^ 63, 1e308, -1e308, 0 / 0, "", "x",
           ("y"):rep(300), {}, print, coroutine.create(function() end), sock.buffer(0), sock.buffer(3),
           io.stdout }
end

-- Calls f with every odd value at each of `arity` positions; only raised
-- errors and returned failures are allowed (pcall catches the former).
local function hammer(f, arity, values, fixed)
  local calls = 0
  for position = 1, arity do
    for i = 1, #values + 1 do  -- the extra round passes nothing at `position`
      local args = {}
      for k = 1, arity do args[k] = fixed and fixed[k] end
      args[position] = values[i]
      pcall(f, table.unpack(args, 1, arity))
      calls = calls + 1
    end
  end
  return calls
end

describe("odd arguments", function()

  it("to module functions are raised or returned, never a crash", support.test(function(sock)
    local values = odd_values(sock)
    local calls = 0
    for _, name in ipairs({ "addr", "buffer", "tcp", "udp", "raw", "wrap", "onerror" }) do
      calls = calls + hammer(sock[name], 6, values)
    end
    sock.onerror(function() end)  -- hammered above; restore a quiet handler
    calls = calls + hammer(sock.sleep, 1, values) + hammer(sock.sleep_until, 1, values)
    calls = calls + hammer(sock.poll, 1, { -1, 0, 0 / 0, "x", {}, true })
    calls = calls + hammer(sock.start, 1, { -1, 0, 0 / 0, "x", {}, true })
    assert.is_true(calls > 500)
  end))

  it("to socket methods, inside and outside a thread, leave no descriptor behind", support.test(function(sock)
    sock.epoll_fd()  -- the loop's own descriptors open at its first wait: open them now
    collectgarbage()
    collectgarbage()
    local before = net.open_descriptors()
    local values = odd_values(sock)
    local methods = { "type", "family", "protocol", "bind", "setopt", "getopt", "getsockname",
                      "getpeername", "listen", "connect", "accept", "send", "recv", "shutdown" }
    local current     -- the socket being hammered
    local function hammer_all()
      for _, kind in ipairs({ "tcp", "udp" }) do
        for _, name in ipairs(methods) do
          current = assert(sock[kind]())
          local method = current[name]
          if method then
            hammer(method, 5, values, { current })
            hammer(method, 1, values)  -- with self itself wrong
          end
          current:close()
        end
      end
    end
    hammer_all()                      -- outside a thread: blocking calls raise
    local done = false
    sock.newthread(function()
      -- Inside: some odd calls are valid and wait (a recv on a quiet UDP
      -- socket); the watchdog below closes the socket under them.
      local ok, err = pcall(hammer_all)
      done = true
      assert(ok, err)
    end)
    sock.newthread(function()
      while not done do
        sock.sleep(0.01)
        if current then current:close() end
      end
    end)
    assert(sock.start(support.LIMIT))
    collectgarbage()
    collectgarbage()
    assert.equal(before, net.open_descriptors())
  end))
end)
