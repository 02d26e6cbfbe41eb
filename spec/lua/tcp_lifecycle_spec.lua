-- TCP socket lifecycle: close, methods on a closed socket, shutdown,
-- fileno, tostring, and garbage collection closing forgotten sockets.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

describe("tcp close", function()

  it("returns true, and true again on a second close", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    assert.is_true(s:close())
    assert.is_true(s:close())
  end))

  it("releases the descriptor", net.test(function(socket)
    collectgarbage()
    local before = net.open_descriptors()
    local a, b = helpers.tcp_pair(socket)
    assert.equal(before + 2, net.open_descriptors())
    a:close(); b:close()
    assert.equal(before, net.open_descriptors())
  end))

  it("on a never-opened tcp() returns true", net.test(function(socket)
    local s = assert(socket.tcp())
    assert.is_true(s:close())
  end))

  it("lets the peer read end of stream after the data", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    a:write("last words")
    a:close()
    b:settimeout(5)
    local data, err, partial = b:read(100)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("last words", partial)
    b:close()
  end))
end)

describe("methods on a closed tcp socket", function()

  it("read, readany and write return nil, ERROR_CLOSED", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    a:close()
    local data, err = a:read(1)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    data, err = a:readany(1)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    local n, err2 = a:write("x")
    assert.is_nil(n)
    assert.equal(socket.ERROR_CLOSED, err2)
    b:close()
  end))

  it("fileno returns -1 and tostring shows -1", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    assert.is_true(s:fileno() >= 0)
    s:close()
    assert.equal(-1, s:fileno())
    assert.equal("<tcpsock: -1>", tostring(s))
  end))

  local calls = {
    connect = function(s) return s:connect(net.host, 1) end,
    bind = function(s) return s:bind(net.host, 0) end,
    listen = function(s) return s:listen(4) end,
    accept = function(s) return s:accept() end,
    shutdown = function(s) return s:shutdown("rw") end,
    setopt = function(s, socket) return s:setopt(socket.OPT_TCP_NODELAY, true) end,
    getopt = function(s, socket) return s:getopt(socket.OPT_TCP_NODELAY) end,
    getpeername = function(s) return s:getpeername() end,
    getsockname = function(s) return s:getsockname() end,
    settimeout = function(s) return s:settimeout(1) end,
    gettimeout = function(s) return s:gettimeout() end,
  }
  local names = {}
  for name in pairs(calls) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    it(name .. " returns nil, ERROR_CLOSED", net.test(function(socket)
      local a, b = helpers.tcp_pair(socket)
      a:close()
      local result, err = calls[name](a, socket)
      assert.is_nil(result)
      assert.equal(socket.ERROR_CLOSED, err)
      b:close()
    end))
  end
end)

describe("tcp shutdown", function()

  for _, how in ipairs({ "w", "SHUT_WR" }) do
    it("with " .. how .. " sends end of stream but keeps reading", net.test(function(socket)
      local c = helpers.connect_peer(socket, "echo")
      c:settimeout(5)
      assert.equal(3, c:write("bye"))
      assert.is_true(c:shutdown(socket[how] or how))
      -- The echo peer sees our end of stream, echoes and closes.
      local data, err = helpers.read_to_end(c)
      assert.equal("bye", data)
      assert.equal(socket.ERROR_CLOSED, err)
      c:close()
    end))
  end

  for _, how in ipairs({ "r", "SHUT_RD" }) do
    it("with " .. how .. " makes later reads end of stream", net.test(function(socket)
      local a, b = helpers.tcp_pair(socket)
      assert.is_true(a:shutdown(socket[how] or how))
      a:settimeout(1)
      local data, err = a:read(1)
      assert.is_nil(data)
      assert.equal(socket.ERROR_CLOSED, err)
      -- The write side still works.
      assert.equal(2, a:write("ok"))
      b:settimeout(5)
      assert.equal("ok", b:read(2))
      a:close(); b:close()
    end))
  end

  for _, how in ipairs({ "rw", "SHUT_RDWR" }) do
    it("with " .. how .. " stops both directions", net.test(function(socket)
      local a, b = helpers.tcp_pair(socket)
      assert.is_true(a:shutdown(socket[how] or how))
      local n, err = a:write("x")
      assert.is_nil(n)
      assert.is_string(err)
      b:settimeout(5)
      local data, err2 = b:read(1)
      assert.is_nil(data)
      assert.equal(socket.ERROR_CLOSED, err2)
      -- Shut down is not closed: the descriptor is still there.
      assert.is_true(a:fileno() >= 0)
      a:close(); b:close()
    end))
  end

  it("on an unconnected socket returns nil, err", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    local ok, err = s:shutdown("rw")
    assert.is_nil(ok)
    assert.is_string(err)
    s:close()
  end))
end)

describe("tcp fileno and tostring", function()

  it("fileno is the descriptor that tostring shows", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    assert.is_true(a:fileno() >= 0)
    assert.are_not.equal(a:fileno(), b:fileno())
    assert.equal("<tcpsock: " .. a:fileno() .. ">", tostring(a))
    assert.equal("<tcpsock: " .. b:fileno() .. ">", tostring(b))
    a:close(); b:close()
  end))
end)

describe("tcp garbage collection", function()

  it("closes 5000 sockets dropped without close", net.test(function(socket)
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    local held = {}
    for i = 1, 5000 do held[i] = assert(socket.tcp("inet")) end
    assert.equal(before + 5000, net.open_descriptors())
    held = nil
    collectgarbage(); collectgarbage()
    assert.equal(before, net.open_descriptors())
  end))

  it("closes 5000 sockets dropped at once in a loop", net.test(function(socket)
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 5000 do socket.tcp("inet") end
    collectgarbage(); collectgarbage()
    assert.equal(before, net.open_descriptors())
  end))

  it("closes dropped connected sockets and accepted sockets", net.test(function(socket)
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 50 do helpers.tcp_pair(socket) end
    collectgarbage(); collectgarbage()
    assert.equal(before, net.open_descriptors())
  end))

  it("does not close a socket twice when it was closed before collection", net.test(function(socket)
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 100 do
      local s = assert(socket.tcp("inet"))
      s:close()
    end
    -- A descriptor that a double close could hit: opened after those.
    local keeper = assert(socket.tcp("inet"))
    collectgarbage(); collectgarbage()
    assert.equal(before + 1, net.open_descriptors())
    assert.is_true(keeper:bind(net.host, 0))
    keeper:close()
  end))
end)
