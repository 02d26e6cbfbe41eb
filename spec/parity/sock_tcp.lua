-- Parity scenarios: TCP (and unix stream) through the `sock` module:
-- threads on the loop, portable error names and errcodes, expires.

local record = require "spec.parity.record"

local S, scenario = require "spec.parity.area" ("sock tcp")

-- A listener on the test host's loopback; and its port.
local function listener(sock, t, backlog)
  local s = assert(sock.tcp())
  if backlog then assert(s:listen(backlog, t.host, 0)) else assert(s:listen(t.host, 0)) end
  return s, s:getsockname():port()
end

-- Runs client(c, t) and server(s, t) on a connected pair, each in its
-- thread. Which of two ready threads runs first is the loop's business,
-- not the kernel's: each side records on its own, the server's lines come
-- first, then the client's.
local function sides(t)
  local lines = {}
  local function side(label)
    return setmetatable({ rec = function(what, ...)
      local one = record.new()
      one(label .. " " .. what, ...)
      lines[label] = lines[label] or {}
      table.insert(lines[label], one.lines[1])
    end }, { __index = t })
  end
  local function flush()
    for _, label in ipairs { "server", "client" } do
      for _, l in ipairs(lines[label] or {}) do
        t.rec.lines[#t.rec.lines + 1] = l
      end
    end
  end
  return side("client"), side("server"), flush
end

local function with_pair(t, sock, client, server)
  local srv, port = listener(sock, t)
  local tc, ts, flush = sides(t)
  sock.newthread(function()
    local s = assert(srv:accept(sock.clock() + 5))
    srv:close()
    server(s, ts)
  end)
  sock.newthread(function()
    local c = assert(sock.tcp())
    assert(c:connect(t.host, port, sock.clock() + 5))
    client(c, tc)
  end)
  t.sock_run(sock)
  flush()
end

scenario("connect to a closed port", function(t)
  local sock = t.sock()
  local port = t.closed_port()
  sock.newthread(function()
    local c = assert(sock.tcp())
    t.rec("connect", c:connect(t.host, port, sock.clock() + 2))
    t.rec("send after", c:send("x"))
    c:close()
  end)
  t.sock_run(sock)
end)

scenario("connect to an address nobody owns, and to one with no route", function(t)
  local sock = t.sock()
  sock.newthread(function()
    local c = assert(sock.tcp())
    t.rec("nobody owns", c:connect("10.0.0.99", 80, sock.clock() + 10))
    c:close()
    c = assert(sock.tcp())
    t.rec("no route", c:connect("172.16.5.5", 80, sock.clock() + 10))
    c:close()
  end)
  t.sock_run(sock, 30)
end, { netns = true })

scenario("connect twice", function(t)
  local sock = t.sock()
  local srv, port = listener(sock, t)
  sock.newthread(function()
    local c = assert(sock.tcp())
    t.rec("first", c:connect(t.host, port, sock.clock() + 2))
    t.rec("second", c:connect(t.host, port, sock.clock() + 2))
    c:close()
  end)
  t.sock_run(sock)
  srv:close()
end)

scenario("connect and accept names", function(t0)
  local sock = t0.sock()
  local srv, port = listener(sock, t0)
  local tc, t, flush = sides(t0)
  sock.newthread(function()
    local s, remote, localsa = srv:accept(sock.clock() + 2)
    t.rec("accept", s ~= nil, remote:addr():tostring(), localsa:port() == port, localsa:tostring() == srv:getsockname():tostring())
    t.rec("remote is the client", remote == s:getpeername())
    s:close()
  end)
  sock.newthread(function()
    local c = assert(sock.tcp())
    tc.rec("connect", c:connect(t.host, port, sock.clock() + 2))
    tc.rec("peer", c:getpeername():tostring() == srv:getsockname():tostring())
    c:close()
  end)
  t.sock_run(sock)
  flush()
  srv:close()
end)

scenario("accept with expires and nobody", function(t)
  local sock = t.sock()
  local srv = listener(sock, t)
  sock.newthread(function()
    t.rec("accept", srv:accept(sock.clock() + 0.1))
    t.rec("after the timeout", srv:accept(sock.clock() + 0.1))
  end)
  t.sock_run(sock)
  srv:close()
end)

scenario("close during a pending accept", function(t)
  local sock = t.sock()
  local srv = listener(sock, t)
  sock.newthread(function() t.rec("accept", srv:accept(sock.clock() + 2)) end)
  sock.newthread(function()
    sock.sleep(0.05)
    t.rec("close", srv:close())
  end)
  t.sock_run(sock)
end)

scenario("close during a pending recv", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    sock.newthread(function()
      local buf = sock.buffer(10)
      t.rec("recv", c:recv(buf, nil, sock.clock() + 2))
    end)
    sock.sleep(0.05)
    c:close()
  end, function(s, t)
    t.rec("server sees end", s:recv(sock.buffer(10), nil, sock.clock() + 2))
    s:close()
  end)
end)

scenario("accept with a full backlog", function(t)
  local sock = t.sock()
  local srv, port = listener(sock, t, 0)
  local clients = {}
  for n = 1, 3 do
    sock.newthread(function()
      local c = assert(sock.tcp())
      clients[n] = c
      t.rec("connect " .. n, c:connect(t.host, port, sock.clock() + 0.3))
    end)
  end
  t.sock_run(sock)
  local got = 0
  sock.newthread(function()
    while srv:accept(sock.clock() + 0.1) do got = got + 1 end
  end)
  t.sock_run(sock)
  t.rec("accepted", got)
  for _, c in pairs(clients) do c:close() end
end)

scenario("recv after the peer's FIN, send after the peer closed", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    local buf = sock.buffer(10)
    t.rec("recv", c:recv(buf), buf:tostring(2))
    t.rec("recv at the end", c:recv(buf))
    t.rec("recv again", c:recv(buf))
    local results = {}
    for n = 1, 3 do
      results[n] = table.pack(c:send("x"))
      sock.sleep(0.05)
    end
    for n = 1, 3 do t.rec("send " .. n, table.unpack(results[n], 1, results[n].n)) end
    c:close()
  end, function(s, t)
    s:send("hi")
    s:close()
  end)
end)

scenario("RST when closing with unread data", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    c:send("unread")
    sock.sleep(0.05)
    local buf = sock.buffer(10)
    t.rec("recv", c:recv(buf, nil, sock.clock() + 2))
    t.rec("send", c:send("x"))
    c:close()
  end, function(s, t)
    sock.sleep(0.02)
    s:close()
  end)
end)

scenario("so_linger 0", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    c:setopt("so_linger", 0)
    c:close()
  end, function(s, t)
    local buf = sock.buffer(10)
    t.rec("recv", s:recv(buf, nil, sock.clock() + 2))
    t.rec("recv again", s:recv(buf, nil, sock.clock() + 2))
    s:close()
  end)
end)

scenario("half-close both ways", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    c:send("question")
    t.rec("client shutdown w", c:shutdown("w"))
    local buf = sock.buffer(20)
    t.rec("client recv", c:recv(buf, nil, sock.clock() + 2), buf:tostring(6))
    t.rec("client sees end", c:recv(buf, nil, sock.clock() + 2))
    t.rec("client send after shutdown", c:send("x"))
    c:close()
  end, function(s, t)
    local buf = sock.buffer(20)
    t.rec("server recv", s:recv(buf, nil, sock.clock() + 2), buf:tostring(8))
    t.rec("server sees end", s:recv(buf, nil, sock.clock() + 2))
    t.rec("server answers", s:send("answer"))
    t.rec("server shutdown w", s:shutdown("w"))
    s:close()
  end)
end)

scenario("shutdown r, then recv", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    t.rec("shutdown r", c:shutdown("r"))
    t.rec("recv", c:recv(sock.buffer(4), nil, sock.clock() + 1))
    t.rec("send still works", c:send("ok"))
    c:close()
  end, function(s, t)
    local buf = sock.buffer(4)
    t.rec("peer gets", s:recv(buf, nil, sock.clock() + 1), buf:tostring(2))
    s:close()
  end)
end)

scenario("shutdown of a socket never connected", function(t)
  local sock = t.sock()
  local s = assert(sock.tcp())
  t.rec("shutdown", s:shutdown("rw"))
  s:close()
end)

scenario("recv expires", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    local buf = sock.buffer(4)
    t.rec("recv", c:recv(buf, nil, sock.clock() + 0.1))
    t.rec("closed by the timeout", c:send("x"))
  end, function(s, t)
    t.rec("peer sees end", s:recv(sock.buffer(4), nil, sock.clock() + 2))
    s:close()
  end)
end)

scenario("send fills a reader that does not read", function(t)
  local sock = t.sock()
  local big = ("w"):rep(32 * 1024 * 1024)   -- made first: on loopback it takes wall time
  with_pair(t, sock, function(c, t)
    t.rec("send", c:send(big, nil, sock.clock() + 0.3))
    t.rec("closed by the timeout", c:send("x"))
  end, function(s, t)
    sock.sleep(1)
    s:close()
  end)
end)

scenario("bytes delivered, in pieces", function(t)
  local sock = t.sock()
  local total = 300000
  with_pair(t, sock, function(c, t)
    local payload = ("0123456789"):rep(total / 10)
    local sent = 0
    while sent < total do
      local n = math.min(7777, total - sent)
      assert(c:send(payload:sub(sent + 1, sent + n)) == n)
      sent = sent + n
    end
    t.rec("sent", sent)
    c:close()
  end, function(s, t)
    local buf, got = sock.buffer(65536), 0
    local ok = true
    while true do
      local n = s:recv(buf, nil, sock.clock() + 5)
      if not n then break end
      for i = 0, n - 1, 997 do
        if buf:tostring(1, i) ~= tostring((got + i) % 10) then ok = false end
      end
      got = got + n
    end
    t.rec("received", got, ok)
    s:close()
  end)
end)

scenario("bind a port twice, and an address not owned", function(t)
  local sock = t.sock()
  local a, port = listener(sock, t)
  local b = assert(sock.tcp())
  t.rec("bind", b:bind(t.host, port))
  t.rec("listen on it", b:listen(t.host, port))
  b:close()
  b = assert(sock.tcp())
  t.rec("not owned", b:bind("192.0.2.77", 0))
  b:close(); a:close()
end)

scenario("listen on a connected socket", function(t)
  local sock = t.sock()
  with_pair(t, sock, function(c, t)
    t.rec("listen", c:listen(t.host, 0))
    c:close()
  end, function(s, t) s:close() end)
end)

scenario("names and errors of a fresh socket", function(t)
  local sock = t.sock()
  local s = assert(sock.tcp())
  t.rec("kind", s:type(), s:family(), s:protocol())
  t.rec("sockname", s:getsockname():tostring())
  t.rec("peername", s:getpeername())
  t.rec("tostring", tostring(s))
  s:close()
  t.rec("closed", s:getsockname())
  t.rec("closed tostring", tostring(s))
  local six = assert(sock.tcp("inet6"))
  t.rec("inet6 sockname", six:getsockname():tostring())
  six:close()
end)

scenario("unix stream: missing path, stale path, echo", function(t)
  local sock = t.sock()
  local path = t.unix_path("sk")
  sock.newthread(function()
    local c = assert(sock.tcp("unix"))
    t.rec("missing", c:connect(path, sock.clock() + 1))
    c:close()
    local srv = assert(sock.tcp("unix"))
    t.rec("listen", srv:listen(path))
    t.rec("name", srv:getsockname():tostring() == path)
    sock.newthread(function()
      local s = srv:accept(sock.clock() + 1)
      local buf = sock.buffer(8)
      t.rec("server got", s:recv(buf, nil, sock.clock() + 1), buf:tostring(4))
      s:close()
      srv:close()
    end)
    c = assert(sock.tcp("unix"))
    t.rec("connect", c:connect(path, sock.clock() + 1))
    t.rec("send", c:send("unix"))
    sock.sleep(0.05)
    c:close()
    c = assert(sock.tcp("unix"))
    t.rec("stale", c:connect(path, sock.clock() + 1))
    c:close()
    local again = assert(sock.tcp("unix"))
    t.rec("bind stale", again:bind(path))
    again:close()
  end)
  t.sock_run(sock)
end)

scenario("descriptor counts", function(t)
  local sock = t.sock()
  -- The loop's own descriptors (epoll and its mailbox on Linux, none on
  -- the simulated host) exist once a thread has waited: count from there.
  sock.newthread(function() sock.sleep(0) end)
  t.sock_run(sock)
  local base = t.fds()
  local srv, port = listener(sock, t)
  local c = assert(sock.tcp())
  sock.newthread(function() assert(c:connect(t.host, port, sock.clock() + 1)) end)
  local s
  sock.newthread(function() s = srv:accept(sock.clock() + 1) end)
  t.sock_run(sock)
  t.rec("listener, client, accepted", t.fds() - base)
  c:close(); s:close(); srv:close()
  t.rec("closed", t.fds() - base)
end)

return S
