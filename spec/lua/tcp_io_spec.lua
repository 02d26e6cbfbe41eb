-- TCP data transfer: write, read(size), readany(max), and what each returns
-- when the peer closes or resets.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

describe("tcp write", function()

  it("returns the number of bytes written, all of them", net.test(function(socket)
    local c = helpers.connect_peer(socket, "echo")
    c:settimeout(5)
    assert.equal(11, c:write("hello world"))
    assert.equal("hello world", c:read(11))
    c:close()
  end))

  it("writes an empty string as 0 bytes", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    assert.equal(0, a:write(""))
    a:close(); b:close()
  end))

  it("writes 8 MiB through an echo peer while data comes back", net.test(function(socket)
    -- Single-threaded: write in slices and drain the echo in between, so
    -- neither side's buffers fill up.
    local c = helpers.connect_peer(socket, "echo")
    c:settimeout(10)
    local block = net.filler(64 * 1024)
    local got, total = {}, 0
    for _ = 1, 128 do
      assert.equal(#block, c:write(block))
      total = total + #block
      local data = assert(c:read(#block))
      got[#got + 1] = data
    end
    assert.equal(8 * 1024 * 1024, total)
    assert.equal(block:rep(128), table.concat(got))
    c:close()
  end))

  it("keeps binary data, NULs included, intact", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local data = table.concat(bytes):rep(4)
    assert.equal(#data, a:write(data))
    b:settimeout(5)
    assert.equal(data, b:read(#data))
    a:close(); b:close()
  end))

  it("to a peer that reset returns nil, err, sent", net.test(function(socket)
    -- The peer resets only after reading our first byte: a reset that
    -- raced the connect would make connect itself fail.
    local c = helpers.connect_peer(socket, "rst", { read = 1 })
    assert.equal(1, c:write("x"))
    net.sleep(0.2)   -- let the RST arrive
    local n, err, sent
    for _ = 1, 50 do
      n, err, sent = c:write("data after reset")
      if not n then break end
      net.sleep(0.02)
    end
    assert.is_nil(n)
    assert.is_string(err)
    assert.is_number(sent)
    c:close()
  end))
end)

describe("tcp read", function()

  it("returns exactly size bytes", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    b:write("0123456789")
    a:settimeout(5)
    assert.equal("0123", a:read(4))
    assert.equal("456", a:read(3))
    assert.equal("789", a:read(3))
    a:close(); b:close()
  end))

  it("read(0) returns an empty string", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    a:settimeout(1)
    assert.equal("", a:read(0))
    a:close(); b:close()
  end))

  it("assembles size bytes from many small segments", net.test(function(socket)
    local c = helpers.connect_peer(socket, "drip", { payload = "@30", chunk = 3, delay = 0.01 })
    c:settimeout(5)
    assert.equal(net.filler(30), c:read(30))
    c:close()
  end))

  it("returns nil, ERROR_CLOSED, partial when the peer closes early", net.test(function(socket)
    local c = helpers.connect_peer(socket, "fin", { payload = "hello" })
    c:settimeout(5)
    local data, err, partial = c:read(10)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("hello", partial)
    c:close()
  end))

  it("returns nil, ERROR_CLOSED, \"\" after end of stream", net.test(function(socket)
    local c = helpers.connect_peer(socket, "fin", { payload = "ab" })
    c:settimeout(5)
    assert.equal("ab", c:read(2))
    local data, err, partial = c:read(1)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("", partial)
    -- And again: end of stream is sticky.
    data, err, partial = c:read(1)
    assert.is_nil(data)
    assert.equal(socket.ERROR_CLOSED, err)
    c:close()
  end))

  it("returns the whole payload when the peer closes right after sending", net.test(function(socket)
    local c = helpers.connect_peer(socket, "fin", { payload = "@100000", mode = "close" })
    c:settimeout(5)
    assert.equal(net.filler(100000), c:read(100000))
    c:close()
  end))

  it("returns nil, err when the peer resets", net.test(function(socket)
    local c = helpers.connect_peer(socket, "rst", { read = 1 })
    assert.equal(1, c:write("x"))
    c:settimeout(5)
    local data, err, partial = c:read(10)
    assert.is_nil(data)
    assert.is_string(err)
    assert.is_string(partial)
    c:close()
  end))

  it("returns nil, ERROR_TIMEOUT, partial and hands the partial over", net.test(function(socket)
    local c = helpers.connect_peer(socket, "drip",
                                   { payload = "abcdef", chunk = 3, delay = 1, after = "hold" })
    c:settimeout(0.5)
    local data, err, partial = c:read(6)
    assert.is_nil(data)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.equal("abc", partial)
    c:settimeout(5)
    assert.equal("def", c:read(3))
    c:close()
  end))
end)

describe("tcp readany", function()

  it("returns what is available, up to max", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    b:write("hello")
    a:settimeout(5)
    local first = assert(a:readany(100))
    assert.is_true(#first >= 1 and #first <= 5)
    assert.equal(("hello"):sub(1, #first), first)
    local rest = #first < 5 and a:read(5 - #first) or ""
    assert.equal("hello", first .. rest)
    a:close(); b:close()
  end))

  it("returns at most max bytes and keeps the rest", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    b:write("0123456789")
    a:settimeout(5)
    net.sleep(0.1)
    assert.equal("012", a:readany(3))
    assert.equal("3456789", a:read(7))
    a:close(); b:close()
  end))

  it("returns as soon as any bytes arrive", net.test(function(socket)
    local c = helpers.connect_peer(socket, "drip", { payload = "@10", delay = 0.2, after = "hold" })
    c:settimeout(5)
    local took, data = net.timed(c.readany, c, 100)
    assert.is_string(data)
    assert.is_true(#data >= 1 and #data < 10)
    assert.is_true(took < 0.5, "took " .. took)
    c:close()
  end))

  it("returns nil, ERROR_CLOSED at end of stream", net.test(function(socket)
    local c = helpers.connect_peer(socket, "fin", { payload = "xy" })
    c:settimeout(5)
    local data, err = helpers.read_to_end(c)
    assert.equal("xy", data)
    assert.equal(socket.ERROR_CLOSED, err)
    c:close()
  end))

  it("takes data left in the buffer by readuntil first", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "head" }, tail = "body", after = "hold" })
    c:settimeout(5)
    net.sleep(0.1)
    assert.equal("head", c:readuntil("\n")())
    assert.equal("body", c:readany(100))
    c:close()
  end))
end)

describe("tcp echo with many clients", function()

  it("serves 50 clients interleaved", net.test(function(socket)
    local host, port = net.peer("echo")
    local clients = {}
    for i = 1, 50 do
      clients[i] = assert(socket.tcp())
      assert(clients[i]:connect(host, port))
      clients[i]:settimeout(5)
    end
    for i, c in ipairs(clients) do c:write("client " .. i .. ";") end
    for i, c in ipairs(clients) do
      local want = "client " .. i .. ";"
      assert.equal(want, c:read(#want))
    end
    for _, c in ipairs(clients) do c:close() end
  end))
end)
