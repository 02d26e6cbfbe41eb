-- "No input from Lua may crash the process, leak a descriptor, or lose data
-- already acknowledged to the caller": huge sizes, oversized and NUL-laden
-- addresses, iterators that outlive their socket variable, descriptor
-- counts after failures, and exact `sent` counts.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

-- Either raised (a programming error) or returned as nil, string: never a
-- crash, never success.
local function refused(f)
  local ok, result, err = pcall(f)
  if ok then
    assert.is_nil(result, "the call succeeded: " .. tostring(result))
    assert.is_string(err)
  else
    assert.is_string(result)
  end
end

describe("huge sizes", function()

  it("read(2^40) from a peer that sends 3 bytes returns them as the partial", net.test(function(socket)
    local c = helpers.connect_peer(socket, "fin", { payload = "abc" })
    c:settimeout(5)
    local data, err, partial = c:read(2 ^ 40)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("abc", partial)
    c:close()
  end))

  it("readany(2^40) returns what is there", net.test(function(socket)
    local c = helpers.connect_peer(socket, "fin", { payload = "abc" })
    c:settimeout(5)
    assert.equal("abc", helpers.read_to_end(c))
    local a, b = helpers.tcp_pair(socket)
    b:write("xyz")
    a:settimeout(5)
    local data = assert(a:readany(2 ^ 40))
    assert.equal(("xyz"):sub(1, #data), data)
    a:close(); b:close(); c:close()
  end))

  it("udp recv(2^40) returns the datagram", net.test(function(socket)
    local host, port = net.peer("udp_echo")
    local u = assert(socket.udp())
    assert(u:connect(host, port))
    u:settimeout(5)
    assert(u:send("dgram"))
    assert.equal("dgram", u:recv(2 ^ 40))
    u:close()
  end))
end)

describe("malformed addresses", function()

  it("a unix path longer than sun_path is refused, not overflowed #unix", net.test(function(socket)
    local s = assert(socket.tcp("unix"))
    refused(function() return s:bind("unix:/tmp/" .. ("x"):rep(300)) end)
    local c = assert(socket.tcp("unix"))
    refused(function() return c:connect("unix:/tmp/" .. ("y"):rep(300)) end)
    local u = assert(socket.udp("unix"))
    refused(function() return u:sendto("x", "unix:/tmp/" .. ("z"):rep(300)) end)
  end))

  it("a NUL inside a unix path is refused, not truncated #unix", net.test(function(socket)
    local path = net.unix_path("nul")
    local s = assert(socket.tcp("unix"))
    refused(function() return s:bind("unix:" .. path .. "\0tail") end)
    -- Nothing may have been bound at the truncated path.
    local probe = assert(socket.tcp("unix"))
    assert.is_true(probe:bind("unix:" .. path))
    probe:close()
  end))

  it("a NUL inside a host name is refused, not truncated", net.test(function(socket)
    -- Truncated at the NUL, the name would be 127.0.0.1 where a peer listens.
    local _, port = net.peer("echo")
    local c = assert(socket.tcp())
    refused(function() return c:connect("127.0.0.1\0.evil", port) end)
    refused(function() return socket.getaddrinfo("127.0.0.1\0.evil", port) end)
  end))

  it("ports outside 0..65535 are refused", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    refused(function() return s:bind(net.host, 70000) end)
    local c = assert(socket.tcp("inet"))
    refused(function() return c:connect(net.host, -1) end)
  end))

  it("a malformed numeric address is an error, not a crash", net.test(function(socket)
    local c = assert(socket.tcp())
    refused(function() return c:connect("999.1.2.3", 80) end)
    local d = assert(socket.tcp())
    refused(function() return d:connect("::1::2::", 80) end)
  end))
end)

describe("calls in the wrong state", function()

  it("connect to an IPv6 address from an inet socket returns nil, err", net.test(function(socket)
    local _, port = net.peer("echo", { ipv6 = true })
    local c = assert(socket.tcp("inet"))
    local ok, err = c:connect("::1", port)
    assert.is_nil(ok)
    assert.is_string(err)
  end))

  it("a second bind returns nil, err", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    assert.is_true(s:bind(net.host, 0))
    local ok, err = s:bind(net.host, 0)
    assert.is_nil(ok)
    assert.is_string(err)
    s:close()
  end))

  it("accept on a socket that is not listening returns nil, err", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    assert(s:bind(net.host, 0))
    s:settimeout(1)
    local conn, err = s:accept()
    assert.is_nil(conn)
    assert.is_string(err)
    s:close()
  end))

  it("settimeout(NaN) raises instead of waiting forever or never", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    helpers.raises(function() s:settimeout(0 / 0) end, "settimeout", { "#1", "timeout" })
    s:close()
  end))
end)

describe("lifetimes", function()

  it("a readuntil iterator keeps its socket alive after the variable is gone", net.test(function(socket)
    local next_line
    do
      local c = helpers.connect_peer(socket, "lines", { line = { "one", "two" } })
      c:settimeout(5)
      next_line = c:readuntil("\n")
    end
    collectgarbage(); collectgarbage()
    assert.equal("one", next_line())
    assert.equal("two", next_line())
  end))

  it("for line in sock:readuntil() works with no other reference #yield_in_for", net.test(function(socket)
    local host, port = net.peer("lines", { line = { "a", "b", "c" } })
    local lines = {}
    local function connect()
      local c = assert(socket.tcp())
      assert(c:connect(host, port))
      c:settimeout(5)
      return c
    end
    for line in connect():readuntil("\n") do
      lines[#lines + 1] = line
      collectgarbage()
    end
    assert.same({ "a", "b", "c" }, lines)
  end))
end)

describe("no descriptor leaks", function()

  it("after 200 refused connects", net.test(function(socket)
    local port = helpers.closed_port(socket)
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 200 do
      local c = assert(socket.tcp())
      assert.is_nil(c:connect(net.host, port))
    end
    assert.equal(before, net.open_descriptors())
  end))

  it("after binds that fail with Address already in use", net.test(function(socket)
    local holder = assert(socket.tcp("inet"))
    assert(holder:bind(net.host, 0))
    assert(holder:listen(4))
    local port = holder:getsockname()[2]
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 200 do
      local s = assert(socket.tcp())
      assert.is_nil(s:bind(net.host, port))
      s:close()
    end
    assert.equal(before, net.open_descriptors())
    holder:close()
  end))

  it("after connects that time out", net.test(function(socket)
    local srv = assert(socket.tcp("inet"))
    assert(srv:bind(net.host, 0))
    assert(srv:listen(0))
    local port = srv:getsockname()[2]
    local first = assert(socket.tcp())
    assert(first:connect(net.host, port))
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 5 do
      local c = assert(socket.tcp())
      c:settimeout(0.05)
      local ok, err = c:connect(net.host, port)
      assert.is_nil(ok)
      assert.equal(socket.ERROR_TIMEOUT, err)
    end
    assert.equal(before, net.open_descriptors())
    first:close(); srv:close()
  end))

  it("after connects to a missing unix path #unix", net.test(function(socket)
    local path = net.unix_path("nowhere")
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 100 do
      local c = assert(socket.tcp("unix"))
      assert.is_nil(c:connect("unix:" .. path))
    end
    assert.equal(before, net.open_descriptors())
  end))
end)

describe("no lost data", function()

  it("a write that times out reports exactly the bytes the peer receives", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    a:settimeout(0.3)
    local big = net.filler(32 * 1024 * 1024)
    local n, err, sent = a:write(big)
    assert.is_nil(n)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(sent > 0 and sent < #big)
    a:close()   -- FIN after the bytes already handed to the kernel
    b:settimeout(5)
    local received, rerr = helpers.read_to_end(b)
    assert.equal(socket.ERROR_CLOSED, rerr)
    assert.equal(sent, #received)
    assert.equal(big:sub(1, sent), received)
    b:close()
  end))

  it("a read that times out hands over exactly the bytes that arrived", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local got = {}
    b:settimeout(0.05)
    for i = 1, 20 do
      a:write(string.char(64 + i))
      local data, err, partial = b:read(1000)
      assert.is_nil(data)
      assert.equal(socket.ERROR_TIMEOUT, err)
      got[#got + 1] = partial
    end
    a:write("!")
    b:settimeout(5)
    got[#got + 1] = b:read(1)
    assert.equal("ABCDEFGHIJKLMNOPQRST!", table.concat(got))
    a:close(); b:close()
  end))

  it("finds a 100000-byte delimiter, longer than any single read", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines",
                                   { delim = "@100000", line = { "before", "after" } })
    c:settimeout(10)
    local delim = net.filler(100000)
    local next_part = c:readuntil(delim)
    assert.equal("before", next_part())
    assert.equal("after", next_part())
    c:close()
  end))

  it("inclusive readuntil returns a 100000-byte delimiter whole", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { delim = "@100000", line = { "x" } })
    c:settimeout(10)
    assert.equal("x" .. net.filler(100000), c:readuntil(net.filler(100000), true)())
    c:close()
  end))
end)
