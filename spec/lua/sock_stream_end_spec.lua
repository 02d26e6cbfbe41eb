-- sock TCP around the end of a stream: what reaches the peer when a socket
-- closes, resets or expires, and bytes read by the loop ahead of the
-- caller (on io_uring the ring receives before recv is called,
-- docs/design.md "io_uring"). Every scenario is one the kernel itself
-- answers on epoll and on the simulated network; on io_uring the loop
-- must answer the same.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

-- A connected pair: `server` runs with the accepted socket, `client` with
-- the connecting one, each in a sock thread.
local function pair(sock, server, client)
  local l, port = support.listener(sock)
  sock.newthread(function()
    local c = assert(l:accept())
    l:close()
    server(c)
  end)
  sock.newthread(function()
    local c = assert(sock.tcp())
    assert(c:connect(net.host, port))
    client(c)
  end)
end

local function recv_string(sock, c, expires)
  local buf = sock.buffer(65536)
  local n, err, code = c:recv(buf, nil, expires)
  if not n then return nil, err, code end
  return buf:tostring(n)
end

describe("the end of a TCP stream", function()

  it("a socket closed in the turn its first wait began still sends its FIN", support.test(function(sock)
    local got
    pair(sock, function(c)
      -- The reader's wait and the close meet the poller in one turn.
      sock.newthread(function() c:recv(sock.buffer(10)) end)
      sock.newthread(function() c:close() end)
    end, function(c)
      got = { c:recv(sock.buffer(10), nil, sock.clock() + 3) }
      c:close()
    end)
    support.run(sock)
    assert.same({ nil, "closed" }, { got[1], got[2] })
  end))

  it("bytes and the end of stream that arrived together are read in order", support.test(function(sock)
    local got = {}
    pair(sock, function(c)
      got[1] = recv_string(sock, c)  -- "one": the loop receives for it from now on
      sock.sleep(0.2)                -- "two" and the FIN arrive meanwhile
      got[2] = recv_string(sock, c)
      got[3] = { recv_string(sock, c) }
      c:close()
    end, function(c)
      assert(c:send("one"))
      sock.sleep(0.1)
      assert(c:send("two"))
      c:close()
    end)
    support.run(sock)
    assert.equal("one", got[1])
    assert.equal("two", got[2])
    assert.same({ nil, "closed" }, { got[3][1], got[3][2] })
  end))

  it("a close right after a large send delivers every byte, then the FIN", support.test(function(sock)
    local data = ("0123456789abcdef"):rep(65536)  -- 1 MiB
    local got, err
    pair(sock, function(c)
      assert.equal(#data, c:send(data))
      c:close()
    end, function(c)
      got, err = support.read_all(sock, c, nil, sock.clock() + 8)
      c:close()
    end)
    support.run(sock)
    assert.equal("closed", err)
    assert.equal(#data, #got)
    assert.is_true(got == data, "the bytes differ")
  end))

  -- #wine_no_reset: Wine 8 closes with a FIN where Linux resets.
  it("closing with unread data the loop already received resets the connection #wine_no_reset",
     support.test(function(sock)
    local first, r
    pair(sock, function(c)
      first = recv_string(sock, c)
      sock.sleep(0.1)  -- "unread" arrives and stays unread
      c:close()
    end, function(c)
      assert(c:send("read"))
      sock.sleep(0.05)
      assert(c:send("unread"))
      sock.sleep(0.3)
      r = { c:recv(sock.buffer(10)) }
      c:close()
    end)
    support.run(sock)
    assert.equal("read", first)
    assert.is_nil(r[1])
    assert.equal("connection_reset", r[2])
  end))

  it("a peer's reset after its data: the data, then connection_reset #wine_no_reset", support.test(function(sock)
    local got = {}
    pair(sock, function(c)
      got[1] = recv_string(sock, c)
      sock.sleep(0.2)  -- the peer's bytes, then its reset, arrive meanwhile
      for i = 2, 4 do
        got[i] = { recv_string(sock, c) }
        if not got[i][1] then break end
      end
      c:close()
    end, function(c)
      assert(c:send("first"))
      sock.sleep(0.1)
      assert(c:send("last words"))
      sock.sleep(0.05)
      assert(c:setopt("so_linger", 0))
      c:close()
    end)
    support.run(sock)
    assert.equal("first", got[1])
    local last = got[#got]
    assert.is_nil(last[1])
    assert.equal("connection_reset", last[2])
    -- What came before the reset is the peer's bytes, whole, or nothing
    -- (a kernel may drop unread data when the reset arrives).
    if #got == 3 then assert.equal("last words", got[2][1]) else assert.equal(2, #got) end
  end))

  it("recv past its deadline while nothing arrives closes the socket with a FIN", support.test(function(sock)
    local first, r, got
    pair(sock, function(c)
      first = recv_string(sock, c)
      r = { c:recv(sock.buffer(10), nil, sock.clock() + 0.1) }
    end, function(c)
      assert(c:send("one"))
      got = { c:recv(sock.buffer(10), nil, sock.clock() + 3) }
      c:close()
    end)
    support.run(sock)
    assert.equal("one", first)
    assert.same({ nil, "timeout" }, { r[1], r[2] })
    assert.same({ nil, "closed" }, { got[1], got[2] })
  end))

  it("a reader slower than its peer gets every byte, in order", support.test(function(sock)
    local parts = {}
    for i = 1, 40000 do parts[i] = string.format("%07d\n", i) end
    local data = table.concat(parts)  -- 320,000 bytes, each position told apart
    local got, err
    pair(sock, function(c)
      assert.equal(#data, c:send(data))
      c:close()
    end, function(c)
      local buf = sock.buffer(1000)
      local read = {}
      while true do
        local n, e = c:recv(buf, nil, sock.clock() + 8)
        if not n then err = e break end
        read[#read + 1] = buf:tostring(n)
        if #read % 50 == 0 then sock.sleep(0.001) end
      end
      got = table.concat(read)
      c:close()
    end)
    support.run(sock, 20)
    assert.equal("closed", err)
    assert.equal(#data, #got)
    assert.is_true(got == data, "the bytes differ")
  end))

  it("many connections echo at once, every reply whole", support.test(function(sock)
    local l, port = support.listener(sock)
    local clients, rounds = 200, 5
    local checked = 0
    local server = support.echo_until_fin_server(sock, l, clients)
    for k = 1, clients do
      sock.newthread(function()
        local c = assert(sock.tcp())
        assert(c:connect(net.host, port))
        local buf = sock.buffer(4096)
        for round = 1, rounds do
          local message = string.format("client %d round %d ", k, round):rep(round * 7)
          assert(c:send(message))
          local reply = {}
          local have = 0
          while have < #message do
            local n = assert(c:recv(buf, nil, sock.clock() + 8))
            reply[#reply + 1] = buf:tostring(n)
            have = have + n
          end
          assert.equal(message, table.concat(reply))
        end
        c:close()
        checked = checked + 1
      end)
    end
    support.run(sock, 30)
    assert.equal(clients, checked)
    assert.equal(clients, server.served)
  end))
  it("a socket closed while its sends wait for a reader delivers every byte they took, then the end",
    support.test(function(sock)
    -- On io_uring small sends go through the ring: with both buffers small
    -- and the reader not reading, the ring's last send waits in the kernel
    -- when close is called, and the close must come after its bytes, as the
    -- kernel's own close comes after what its buffer holds.
    local pieces = {}
    for i = 1, 400 do pieces[i] = string.format("%06d:", i):rep(100) end  -- 700 bytes each
    local taken, closed = 0, false
    local got, ended = {}, nil
    pair(sock, function(c)
      assert(c:setopt("so_sndbuf", 4096))
      for i = 1, #pieces do
        -- Full buffers: this send waits, and gives up after 0.2 s.
        if not c:send(pieces[i], nil, sock.clock() + 0.2) then break end
        taken = i
      end
      assert(c:close())
      closed = true
    end, function(c)
      assert(c:setopt("so_rcvbuf", 4096))
      local deadline = sock.clock() + 10
      while not closed and sock.clock() < deadline do sock.sleep(0.01) end
      local buf = sock.buffer(1000)
      while true do
        local n, err = c:recv(buf, nil, sock.clock() + 5)
        if not n then ended = err break end
        got[#got + 1] = buf:tostring(n)
      end
      c:close()
    end)
    support.run(sock, 20)
    assert.is_true(closed)
    assert.is_true(taken > 0 and taken < #pieces, "the buffers never filled: " .. taken)
    assert.equal("closed", ended)
    -- Every piece a send took, then at most part of the one that gave up
    -- (on epoll the kernel may have taken some of it).
    local text = table.concat(got)
    local whole = table.concat(pieces, "", 1, taken)
    assert.is_true(#text >= #whole and #text < #whole + #pieces[1], #text .. " bytes for " .. #whole)
    assert.is_true(text == table.concat(pieces):sub(1, #text), "the bytes arrived changed or out of order")
  end))
end)
