-- socket.select: descriptors and socket objects, identity of the results,
-- timeouts, data buffered by readuntil, and no 1024-descriptor limit.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

local function contains(list, value)
  for _, v in ipairs(list or {}) do
    if rawequal(v, value) then return true end
  end
  return false
end

describe("socket.select", function()

  it("returns the very socket object that has data", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local quiet_a, quiet_b = helpers.tcp_pair(socket)
    assert.equal(1, b:write("x"))
    local r, w, err = socket.select({ quiet_a, a }, nil, 5)
    assert.is_nil(err)
    assert.is_table(r)
    assert.equal(1, #r)
    assert.is_true(rawequal(r[1], a))
    a:close(); b:close(); quiet_a:close(); quiet_b:close()
  end))

  it("returns the very fd numbers that were given", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local quiet_a, quiet_b = helpers.tcp_pair(socket)
    assert.equal(1, b:write("x"))
    local fd = a:fileno()
    local r, w, err = socket.select({ quiet_a:fileno(), fd }, nil, 5)
    assert.is_nil(err)
    assert.same({ fd }, r)
    assert.equal("number", type(r[1]))
    a:close(); b:close(); quiet_a:close(); quiet_b:close()
  end))

  it("reports writable sockets and fds in the second result", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local r, w, err = socket.select(nil, { a, b:fileno() }, 5)
    assert.is_nil(err)
    assert.is_table(w)
    assert.equal(2, #w)
    assert.is_true(contains(w, a))
    assert.is_true(contains(w, b:fileno()))
    assert.equal(0, #(r or {}))
    a:close(); b:close()
  end))

  it("mixes objects and numbers in one call", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local c, d = helpers.tcp_pair(socket)
    b:write("1"); d:write("2")
    local r = assert(socket.select({ a, c:fileno() }, {}, 5))
    -- Both have data; wait until both are seen (they may arrive apart).
    local deadline = net.clock() + 5
    while #r < 2 and net.clock() < deadline do
      net.sleep(0.01)
      r = assert(socket.select({ a, c:fileno() }, {}, 5))
    end
    assert.equal(2, #r)
    assert.is_true(contains(r, a))
    assert.is_true(contains(r, c:fileno()))
    a:close(); b:close(); c:close(); d:close()
  end))

  it("times out with nil, nil, ERROR_TIMEOUT", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local took, r, w, err = net.timed(socket.select, { a }, nil, 0.2)
    assert.is_nil(r)
    assert.is_nil(w)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.15, "returned after " .. took .. " s")
    assert.is_true(took < 2, "returned after " .. took .. " s")
    a:close(); b:close()
  end))

  it("with timeout 0 polls and returns at once", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local took, r, w, err = net.timed(socket.select, { a }, nil, 0)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.5)
    a:close(); b:close()
  end))

  it("with empty lists waits out the timeout", net.test(function(socket)
    local took, r, w, err = net.timed(socket.select, {}, {}, 0.1)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.05)
  end))

  it("counts data buffered by readuntil as readable", net.test(function(socket)
    -- Both lines arrive in one segment and the peer holds the connection
    -- open, so after the first line the kernel has nothing left to read:
    -- only the module's own buffer holds "second\n".
    local c = helpers.connect_peer(socket, "lines", { line = { "first", "second" }, after = "hold" })
    c:settimeout(5)
    net.sleep(0.2)
    local next_line = c:readuntil("\n")
    assert.equal("first", next_line())
    local r, w, err = socket.select({ c }, nil, 0.5)
    assert.is_nil(err)
    assert.is_true(contains(r, c))
    assert.equal("second", next_line())
    -- Now nothing is buffered anywhere: select must time out.
    r, w, err = socket.select({ c }, nil, 0.2)
    assert.equal(socket.ERROR_TIMEOUT, err)
    c:close()
  end))

  it("counts bytes left over by read and readany as readable", net.test(function(socket)
    -- One segment of 11 bytes; the module may pull all of it into its own
    -- buffer on the first read, where the kernel no longer sees it.
    local c = helpers.connect_peer(socket, "lines", { line = { "0123456789" }, after = "hold" })
    c:settimeout(5)
    net.sleep(0.2)
    assert.equal("0123", c:read(4))
    local r, w, err = socket.select({ c }, nil, 0.5)
    assert.is_nil(err)
    assert.is_true(contains(r, c))
    assert.equal("456", c:readany(3))
    r, w, err = socket.select({ c }, nil, 0.5)
    assert.is_nil(err)
    assert.is_true(contains(r, c))
    assert.equal("789\n", c:read(4))
    c:close()
  end))

  it("handles descriptors above 1024", net.test(function(socket)
    local limit = net.max_descriptors()
    local count = 1100
    if limit and limit < count + 100 then
      -- The soft limit cannot be raised from Lua: stay within it.
      count = limit - 100
    end
    local fillers = {}
    for i = 1, count do
      fillers[i] = assert(socket.udp("inet"))
    end
    local a, b = helpers.tcp_pair(socket)
    if limit == nil or limit >= 1200 then
      assert.is_true(a:fileno() > 1024, "fd " .. a:fileno() .. " is not above 1024")
    end
    assert.equal(1, b:write("x"))
    local watched = { fillers[1], fillers[count], a }
    local r, w, err = socket.select(watched, nil, 5)
    assert.is_nil(err)
    assert.equal(1, #r)
    assert.is_true(rawequal(r[1], a))
    -- Many high descriptors in one call, by number.
    local fds = {}
    for i = 1, count do fds[i] = fillers[i]:fileno() end
    fds[#fds + 1] = a:fileno()
    r, w, err = socket.select(fds, nil, 5)
    assert.is_nil(err)
    assert.same({ a:fileno() }, r)
    for i = 1, count do fillers[i]:close() end
    a:close(); b:close()
  end))

  it("sees a closed peer as readable", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    b:close()
    local r, w, err = socket.select({ a }, nil, 5)
    assert.is_nil(err)
    assert.is_true(contains(r, a))
    a:close()
  end))

  it("raises for an element that is neither a number nor a socket", net.test(function(socket)
    helpers.raises(function() socket.select({ {} }, nil, 0) end, "select", { "#1", "readfds" })
    helpers.raises(function() socket.select(nil, { "abc" }, 0) end, "select", { "#2", "writefds" })
  end))

  it("raises for a list that is not a table", net.test(function(socket)
    helpers.raises(function() socket.select(42, nil, 0) end, "select", { "#1", "readfds" })
  end))
end)
