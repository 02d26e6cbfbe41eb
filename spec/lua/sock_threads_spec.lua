-- Scheduling (docs/sock.md, "Module functions" and "Threads"): newthread,
-- poll, start, stop, sleep, sleep_until, wrap, errors in threads, full duplex.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

describe("sock.newthread", function()

  it("starts the function at once and returns at its first blocking call", support.test(function(sock)
    local l = support.listener(sock)
    local events = {}
    local co = sock.newthread(function(a, b)
      events[#events + 1] = "started " .. a .. b
      l:accept(sock.clock() + 0.05)
      events[#events + 1] = "resumed"
    end, "x", "y")
    events[#events + 1] = "back"
    assert.equal("thread", type(co))
    assert.same({ "started xy", "back" }, events)
    support.run(sock)
    assert.same({ "started xy", "back", "resumed" }, events)
  end))

  it("runs a thread that never blocks to its end at once", support.test(function(sock)
    local done = false
    local co = sock.newthread(function() done = true end)
    assert.is_true(done)
    assert.equal("dead", coroutine.status(co))
    local ok, err = sock.poll(0)
    assert.is_false(ok)
    assert.equal("timeout", err)
  end))

  it("can be called inside a thread", support.test(function(sock)
    local order = {}
    sock.newthread(function()
      sock.newthread(function()
        order[#order + 1] = "inner"
        sock.sleep(0.01)
        order[#order + 1] = "inner done"
      end)
      order[#order + 1] = "outer"
    end)
    support.run(sock)
    assert.same({ "inner", "outer", "inner done" }, order)
  end))

  it("passes any number of arguments", support.test(function(sock)
    local args = {}
    for i = 1, 500 do args[i] = i end
    local count, last
    sock.newthread(function(...)
      count, last = select("#", ...), select(500, ...)
    end, table.unpack(args))
    assert.equal(500, count)
    assert.equal(500, last)
  end))

  it("raises on a non-function", support.test(function(sock)
    support.raises(function() sock.newthread(42) end, "newthread", "#1")
  end))
end)

describe("sock.poll", function()

  it("resumes the threads whose I/O is ready and returns true", support.test(function(sock)
    local l, port = support.listener(sock)
    local accepted = false
    sock.newthread(function()
      local c = assert(l:accept())
      accepted = true
      c:close()
    end)
    local c = assert(sock.tcp())
    sock.newthread(function() assert(c:connect(net.host, port)) end)
    local deadline = sock.clock() + support.LIMIT
    while not accepted and sock.clock() < deadline do
      assert.is_true((sock.poll(1)))
    end
    assert.is_true(accepted)
    c:close()
    l:close()
  end))

  it("returns false, \"timeout\" when nothing became ready in time", support.test(function(sock)
    local l = support.listener(sock)
    sock.newthread(function() l:accept() end)
    local start = sock.clock()
    local ok, err = sock.poll(0.05)
    assert.is_false(ok)
    assert.equal("timeout", err)
    assert.is_true(sock.clock() - start >= 0.05)
    l:close()  -- wakes the accept: it returns nil, "closed"
    assert.is_true(sock.poll(1))
  end))

  it("returns false, \"timeout\" at once when no thread waits", support.test(function(sock)
    local start = sock.clock()
    assert.same({ false, "timeout" }, { sock.poll() })
    assert.is_true(sock.clock() - start < 1)
  end))
end)

describe("sock.start and sock.stop", function()

  it("start returns true once no thread waits on anything", support.test(function(sock)
    local n = 0
    for i = 1, 5 do
      sock.newthread(function()
        sock.sleep(i / 100)
        n = n + 1
      end)
    end
    assert.is_true(sock.start(support.LIMIT))
    assert.equal(5, n)
  end))

  it("start returns false, \"timeout\" when its time is up", support.test(function(sock)
    local l = support.listener(sock)
    sock.newthread(function() l:accept() end)
    local start = sock.clock()
    assert.same({ false, "timeout" }, { sock.start(0.1) })
    assert.is_true(sock.clock() - start >= 0.1)
    l:close()
    support.run(sock)
  end))

  it("stop() from a thread ends start after the current turn", support.test(function(sock)
    local l = support.listener(sock)
    sock.newthread(function() l:accept() end)
    sock.newthread(function()
      sock.sleep(0.01)
      sock.stop()
    end)
    assert.is_true(sock.start(support.LIMIT))
    l:close()
    support.run(sock)
  end))

  it("start and poll raise inside a thread", support.test(function(sock)
    local messages = {}
    sock.newthread(function()
      messages[1] = support.raises(function() sock.start(1) end, "start", "inside")
      messages[2] = support.raises(function() sock.poll(1) end, "poll", "inside")
    end)
    assert.equal(2, #messages)
  end))

  it("raise on a NaN timeout", support.test(function(sock)
    support.raises(function() sock.start(0 / 0) end, "start", "NaN")
    support.raises(function() sock.poll(0 / 0) end, "poll", "NaN")
  end))
end)

describe("sock.sleep and sock.sleep_until", function()

  it("suspend only the calling thread", support.test(function(sock)
    local order = {}
    sock.newthread(function()
      sock.sleep(0.1)
      order[#order + 1] = "slow"
    end)
    sock.newthread(function()
      sock.sleep(0.01)
      order[#order + 1] = "fast"
    end)
    sock.newthread(function()
      sock.sleep_until(sock.clock() + 0.05)
      order[#order + 1] = "middle"
    end)
    support.run(sock)
    assert.same({ "fast", "middle", "slow" }, order)
  end))

  it("wake threads with the same deadline in the order they slept", support.test(function(sock)
    local order = {}
    local t = sock.clock() + 0.02
    for i = 1, 10 do
      sock.newthread(function()
        sock.sleep_until(t)
        order[#order + 1] = i
      end)
    end
    support.run(sock)
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, order)
  end))

  it("sleep(0) and a past sleep_until let the other threads run first", support.test(function(sock)
    local order = {}
    sock.newthread(function()
      sock.sleep(0)
      order[#order + 1] = "a"
      sock.sleep_until(0)
      order[#order + 1] = "a2"
    end)
    sock.newthread(function() order[#order + 1] = "b" end)
    support.run(sock)
    assert.same({ "b", "a", "a2" }, order)
  end))

  it("raise outside a thread, saying where they must run", support.test(function(sock)
    local msg = support.raises(function() sock.sleep(0.01) end, "sleep", "sock.newthread")
    assert.matches("inside a thread", msg)
    support.raises(function() sock.sleep_until(0) end, "sleep_until", "sock.newthread")
  end))

  it("raise on a bad duration", support.test(function(sock)
    local n = 0
    sock.newthread(function()
      support.raises(function() sock.sleep("long") end, "sleep", "#1")
      support.raises(function() sock.sleep(0 / 0) end, "sleep", "NaN")
      n = 2
    end)
    assert.equal(2, n)
  end))
end)

describe("I/O outside a thread", function()

  it("raises a clear error for every blocking call", support.test(function(sock)
    local t = assert(sock.tcp())
    local u = assert(sock.udp())
    local buf = sock.buffer(4)
    support.raises(function() t:connect(net.host, 9) end, "tcp:connect", "sock.newthread")
    support.raises(function() t:accept() end, "tcp:accept", "sock.newthread")
    support.raises(function() t:send("x") end, "tcp:send", "sock.newthread")
    support.raises(function() t:recv(buf) end, "tcp:recv", "sock.newthread")
    support.raises(function() u:send("x", nil, net.host, 9) end, "send", "sock.newthread")
    support.raises(function() u:recv(buf) end, "recv", "sock.newthread")
    t:close()
    u:close()
  end))

  it("raises in a plain coroutine inside a thread, pointing to sock.wrap", support.test(function(sock)
    local t = assert(sock.tcp())
    local msg
    sock.newthread(function()
      local co = coroutine.create(function() return t:recv(sock.buffer(1)) end)
      local ok, err = coroutine.resume(co)
      assert.is_false(ok)
      msg = err
    end)
    assert.matches("sock.wrap", msg)
    t:close()
  end))
end)

describe("an error in a thread", function()

  it("is reported with its traceback and the other threads go on", support.test(function(sock, _, failures)
    local finished = false
    local function deep_failure() error("boom in thread") end
    sock.newthread(function()
      sock.sleep(0.01)
      deep_failure()
    end)
    sock.newthread(function()
      sock.sleep(0.05)
      finished = true
    end)
    support.run(sock)
    assert.is_true(finished)
    assert.equal(1, #failures)
    assert.matches("boom in thread", failures[1])
    assert.matches("stack traceback", failures[1])
    assert.matches("deep_failure", failures[1])
    table.remove(failures)
  end))

  it("goes to the handler with the failed coroutine; onerror returns the old handler", support.test(function(sock)
    local seen_co, seen_msg
    local old = sock.onerror(function(msg, co)
      seen_msg, seen_co = msg, co
    end)
    assert.is_function(old)
    local co = sock.newthread(function() error({ code = 7 }) end)
    assert.equal(co, seen_co)
    assert.is_string(seen_msg)
    sock.onerror(old)
  end))

  it("is reported even when its error object cannot be turned into text", support.test(function(sock, _, failures)
    local bad = setmetatable({}, { __tostring = function() error("no text for you") end })
    local other = false
    sock.newthread(function() error(bad) end)
    sock.newthread(function()
      sock.sleep(0.01)
      other = true
    end)
    support.run(sock)
    assert.is_true(other)
    assert.equal(1, #failures)
    assert.matches("cannot be shown", failures[1])
    table.remove(failures)
  end))

  it("without a handler is written to stderr #loopback", function()
    local output, ok = net.lua_child([[
      local sock = require "sock"
      sock.newthread(function() error("reported on stderr") end)
      sock.newthread(function() sock.sleep(0.01) print("other thread ran") end)
      print(sock.start(5))
    ]])
    assert.is_true(ok)
    assert.matches("sock: a thread failed: .*reported on stderr", output)
    assert.matches("stack traceback", output)
    assert.matches("other thread ran", output)
  end)
end)

describe("several threads", function()

  it("wait on different sockets at once", support.test(function(sock)
    local l, port = support.listener(sock)
    local n = 50
    local answered = 0
    local server = support.echo_once_server(sock, l, n)
    for i = 1, n do
      sock.newthread(function()
        local c = assert(sock.tcp())
        assert(c:connect(net.host, port))
        local msg = "client " .. i
        assert(c:send(msg))
        assert.equal(msg, (support.read_all(sock, c)))
        c:close()
        answered = answered + 1
      end)
    end
    support.run(sock)
    assert.equal(n, server.served)
    assert.equal(n, answered)
  end))

  it("full duplex: one thread reads while another writes the same socket", support.test(function(sock)
    local l, port = support.listener(sock)
    local size = 8 * 1024 * 1024
    local payload = net.filler(size)
    local echoed
    local server = support.echo_until_fin_server(sock, l, 1)
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(net.host, port))
      -- The writer alone would fill both directions' buffers and block
      -- forever: only a reader running at the same time drains them.
      sock.newthread(function()
        assert.equal(size, c:send(payload))
        assert(c:shutdown("w"))
      end)
      echoed = support.read_all(sock, c)
      c:close()
    end)
    support.run(sock, 60)
    assert.equal(1, server.served)
    assert.equal(size, #echoed)
    assert.is_true(echoed == payload)
  end))

  it("a socket closed while another thread waits on it wakes that thread with \"closed\"", support.test(function(sock)
    local l = support.listener(sock)
    local r
    sock.newthread(function() r = { l:accept() } end)
    sock.newthread(function()
      sock.sleep(0.01)
      l:close()
    end)
    support.run(sock)
    assert.is_nil(r[1])
    assert.equal("closed", r[2])
  end))

  it("coroutine.yield() in a thread lets the others run first", support.test(function(sock)
    local order = {}
    sock.newthread(function()
      order[#order + 1] = "a1"
      coroutine.yield()
      order[#order + 1] = "a2"
    end)
    sock.newthread(function() order[#order + 1] = "b" end)
    support.run(sock)
    assert.same({ "a1", "b", "a2" }, order)
  end))

  -- A thread whose calls never wait used to keep the loop until it ended:
  -- under Wine an echo server answered a few connections back to back
  -- while hundreds waited (docs/design.md, "Fairness under Wine").
  it("a reader whose data is always there lets the others run every 64 calls", support.test(function(sock)
    local l, port = support.listener(sock)
    local size = 4096
    local payload = net.filler(size)
    local reads, seen_by_other = 0, nil
    local got = {}
    sock.newthread(function()
      local c = assert(l:accept())
      l:close()
      local buf = sock.buffer(1)
      got[1] = buf:tostring(assert(c:recv(buf, 1)))
      reads = 1
      sock.sleep(0.2)  -- the rest of the payload arrives meanwhile
      sock.newthread(function()
        coroutine.yield()  -- runs again when the reader lets it
        seen_by_other = reads
      end)
      while reads < size do
        local n = assert(c:recv(buf, 1))  -- never waits: the bytes are there
        reads = reads + 1
        got[reads] = buf:tostring(n)
      end
      c:close()
    end)
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(net.host, port))
      assert.equal(size, c:send(payload))
      assert.is_nil((c:recv(sock.buffer(1))))  -- the reader's close
      c:close()
    end)
    support.run(sock)
    assert.equal(payload, table.concat(got))
    assert.is_not_nil(seen_by_other)
    -- The reader's turn began at the newthread; 64 calls later it yields.
    assert.is_true(seen_by_other <= 1 + 64, "the other thread ran after read " .. tostring(seen_by_other))
  end))

  it("a sender whose sends never wait lets the others run every 64 calls", support.test(function(sock)
    local l, port = support.listener(sock)
    local count = 1000
    local sends, seen_by_other = 0, nil
    local received
    sock.newthread(function()
      local c = assert(l:accept())
      l:close()
      received = support.read_all(sock, c)
      c:close()
    end)
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(net.host, port))
      sock.newthread(function()
        coroutine.yield()
        seen_by_other = sends
      end)
      for _ = 1, count do  -- 1,000 bytes: the kernel takes each at once
        assert.equal(1, c:send("x"))
        sends = sends + 1
      end
      c:close()
    end)
    support.run(sock)
    assert.equal(string.rep("x", count), received)
    assert.is_not_nil(seen_by_other)
    assert.is_true(seen_by_other <= 64, "the other thread ran after send " .. tostring(seen_by_other))
  end))
end)

describe("sock.wrap", function()

  it("is coroutine.wrap for iterators whose body does socket I/O #yield_in_for", support.test(function(sock)
    local l, port = support.listener(sock)
    sock.newthread(function()
      local c = assert(l:accept())
      for i = 1, 3 do
        assert(c:send("line " .. i .. "\n"))
        sock.sleep(0.01)
      end
      c:close()
      l:close()
    end)
    local lines = {}
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect(net.host, port))
      local buf = sock.buffer(1)
      -- Yields one line at a time; each recv inside waits on the loop.
      local next_line = sock.wrap(function()
        local line = {}
        while true do
          local n = c:recv(buf)
          if not n then break end
          local ch = buf:tostring(1)
          if ch == "\n" then
            coroutine.yield(table.concat(line))
            line = {}
          else
            line[#line + 1] = ch
          end
        end
      end)
      for line in next_line do lines[#lines + 1] = line end
      c:close()
    end)
    support.run(sock)
    assert.same({ "line 1", "line 2", "line 3" }, lines)
  end))

  it("passes values both ways like coroutine.wrap", support.test(function(sock)
    local results
    sock.newthread(function()
      local f = sock.wrap(function(a)
        local b = coroutine.yield(a + 1)
        sock.sleep(0.01)
        return b * 2, "done"
      end)
      local first = f(1)
      results = { first, f(10) }
    end)
    support.run(sock)
    assert.same({ 2, 20, "done" }, results)
  end))

  it("nests #yield_in_for", support.test(function(sock)
    local got = {}
    sock.newthread(function()
      local outer = sock.wrap(function()
        local inner = sock.wrap(function()
          for i = 1, 3 do
            sock.sleep(0.001)
            coroutine.yield(i)
          end
        end)
        for v in inner do coroutine.yield(v * 10) end
      end)
      for v in outer do got[#got + 1] = v end
    end)
    support.run(sock)
    assert.same({ 10, 20, 30 }, got)
  end))

  it("raises the body's error in the caller, and when called once dead", support.test(function(sock)
    local f = sock.wrap(function() error("wrapped failure") end)
    local ok, err = pcall(f)
    assert.is_false(ok)
    assert.matches("wrapped failure", err)
    support.raises(f, "dead coroutine")
    local g = sock.wrap(function() return 1 end)
    assert.equal(1, g())
  end))
end)
