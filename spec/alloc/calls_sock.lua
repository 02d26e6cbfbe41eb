-- Steps of the sweep for the `sock` module: scheduling (newthread, poll,
-- start, stop, sleep, wrap, onerror, epoll_fd or uring_fd, clock), buffers, addresses
-- (ai, sa, ip), and every method of tcp, udp and raw sockets, including the
-- paths that wait. See harness.lua for what a step and `t` are.

local steps = {}
local function step(name, body, opts)
  opts = opts or {}
  steps[#steps + 1] = { name = "sock: " .. name, body = body, only = opts.only, bare = opts.bare }
end

-- Runs the loop until every thread is done (or one failed: the harness
-- stops the loop then).
local function run(t) t.start() end

local function expires(t, seconds) return t.sock.clock() + (seconds or 2) end

local function listener(t, family)
  local l = t.check(t.sock.tcp(family))
  t.check(l:listen(family == "inet6" and "::1" or t.host, 0))
  return l, l:getsockname():port()
end

-- A connected pair made before the swept part: client, server side, listener.
local function tcp_pair(t)
  local sock = t.sock
  local l, port = listener(t)
  local c = t.check(sock.tcp())
  local s
  sock.newthread(function() t.check(c:connect(t.host, port, expires(t))) end)
  sock.newthread(function() s = t.check(l:accept(expires(t))) end)
  run(t)
  return c, s, l
end

-- tcp_pair and a 64-byte buffer, then t.arm(): what most tcp steps start with.
local function armed_pair(t)
  local c, s = tcp_pair(t)
  local buf = t.sock.buffer(64)
  t.arm()
  return t.sock, c, s, buf
end

local function bound_udp(t)
  local u = t.check(t.sock.udp())
  t.check(u:bind(t.host, 0))
  return u, u:getsockname()
end

-- Two bound udp sockets (a receives at sa) and a buffer, then t.arm().
local function armed_udp_pair(t)
  local a, sa = bound_udp(t)
  local b = bound_udp(t)
  local buf = t.sock.buffer(64)
  t.arm()
  return t.sock, a, sa, b, buf
end

-- A unix listener whose backlog is full (backlog 0 and one connection it
-- never accepts): a connect to it gets EAGAIN and retries after a pause.
local function full_unix_listener(t)
  local sock = t.sock
  local path = t.path("backlog")
  local l = t.check(sock.tcp("unix"))
  t.check(l:listen(0, path))
  local filler = t.check(sock.tcp("unix"))
  sock.newthread(function() t.check(filler:connect(path, expires(t))) end)
  run(t)
  return l, path, filler
end

-- The module and its loop.
step("require", function(t)
  t.arm()
  local sock = require "sock"
  t.check(sock.newthread)
end, { only = "loopback", bare = true })

step("newthread, start", function(t)
  local sock = t.sock
  t.arm()
  local got
  sock.newthread(function(a, b) got = a + b end, 1, 2)
  run(t)
  t.check(got == 3, "the thread ran")
end)

step("poll", function(t)
  local sock = t.sock
  t.arm()
  local woke
  sock.newthread(function() sock.sleep(0) woke = true end)
  t.check(sock.poll(1))
  t.check(woke, "poll resumed the thread")
  local ok, err = sock.poll(0)
  t.check(ok == false and err == "timeout", err)
end)

step("stop", function(t)
  local sock = t.sock
  local sleeper
  t.arm()
  sleeper = sock.newthread(function() sock.sleep(30) end)
  sock.newthread(function() sock.sleep(0.001) sock.stop() end)
  run(t)
  t.check(coroutine.status(sleeper) == "suspended", "the sleeper still waits")
end)

step("sleep, sleep_until", function(t)
  local sock = t.sock
  t.arm()
  local done
  sock.newthread(function()
    sock.sleep(0.001)
    sock.sleep(0)
    sock.sleep_until(sock.clock() + 0.001)
    coroutine.yield()
    done = true
  end)
  run(t)
  t.check(done, "slept")
end)

step("wrap", function(t)
  local sock = t.sock
  t.arm()
  local got = {}
  sock.newthread(function()
    local gen = sock.wrap(function(a)
      coroutine.yield(a + 1)
      sock.sleep(0.001)  -- waits on the loop from inside the wrapper
      coroutine.yield("after sleep")
    end)
    got[1] = gen(1)
    got[2] = gen()
    gen()
    local ok = t.pcall(gen)
    got[3] = ok
    local failing = sock.wrap(function() error("wrapped error") end)
    local ok2, err = t.pcall(failing)
    got[4] = not ok2 and tostring(err):find("wrapped error", 1, true) ~= nil
  end)
  run(t)
  t.check(got[1] == 2 and got[2] == "after sleep" and got[3] == false and got[4], "wrap results")
end)

step("onerror", function(t)
  local sock = t.sock
  local previous = sock.onerror()  -- the harness's handler (onerror(nil) returns and clears it)
  sock.onerror(previous)
  t.arm()
  local seen
  local replaced = sock.onerror(function(message)
    if tostring(message):find("deliberate", 1, true) then seen = true else previous(message) end
  end)
  sock.newthread(function() error("deliberate") end)
  run(t)
  sock.onerror(replaced)
  -- A handler that cannot even be called (no memory) is reported on
  -- stderr with the thread's error, by design: not seen here then.
  t.check(seen or sweep.injected(), "the handler saw the error")
end)

step("a thread that fails after waiting is reported", function(t)
  local sock = t.sock
  local previous = sock.onerror()
  sock.onerror(previous)
  t.arm()
  local seen
  sock.onerror(function(message)
    if tostring(message):find("after a wait", 1, true) then seen = true else previous(message) end
  end)
  sock.newthread(function()
    sock.sleep(0)
    error("after a wait")
  end)
  run(t)
  -- As above: a handler that cannot be called is reported on stderr.
  t.check(seen or sweep.injected(), "the handler saw the error")
end)

-- The loop's poller function: the one of epoll_fd, kqueue_fd and uring_fd
-- that gives a descriptor (Linux runs the loop on io_uring or epoll:
-- docs/sock.md, "The poller"); asked before the sweep arms its failing
-- allocation. None does in the simulation: epoll_fd then.
local function poller_fd_name(sock)
  for _, name in ipairs({ "uring_fd", "kqueue_fd" }) do
    if sock[name]() then return name end
  end
  return "epoll_fd"
end

step("poller fd get", function(t)
  local sock = t.sock
  local name = poller_fd_name(sock)
  t.arm()
  local fd, err = sock[name]()
  if t.kernel == "loopback" then
    t.check(fd, err)
  else
    t.check(fd == nil and err, "no poller descriptor in the simulation")
  end
end)

step("poller fd set", function(t)
  local other = t.new_sock()
  local name = poller_fd_name(t.sock)
  local fd = t.check(t.sock[name]())
  t.arm()
  t.check(other[name](fd))
  local l = t.check(other.tcp())
  t.check(l:listen(t.host, 0))
  other.newthread(function() l:accept(other.clock() + 0.001) end)
  t.start(5, other)
end, { only = "loopback" })

step("clock", function(t)
  t.arm()
  t.check(type(t.sock.clock()) == "number", "clock")
end)

-- Buffers.
step("buffer", function(t)
  local sock = t.sock
  t.arm()
  local buf = sock.buffer(16)
  t.check(#buf == 16, "#buf")
  t.check(#buf:tostring() == 16, "whole")
  t.check(#buf:tostring(3) == 3, "len")
  t.check(#buf:tostring(2, 1) == 2, "len, offset")
  t.check(tostring(buf):find("16", 1, true), "tostring")
  local empty = sock.buffer(0)
  t.check(#empty == 0, "empty")
end)

-- Addresses.
step("addr forms", function(t)
  local sock = t.sock
  t.arm()
  local ai = t.check(sock.addr("127.0.0.1", 80, "tcp"))
  t.check(sock.addr(ai) == ai, "an ai passes through")
  t.check(sock.addr(nil, 0, "udp"))
  t.check(sock.addr("*", 8080, "tcp"))
  t.check(sock.addr(false, 8080, "tcp"))
  t.check(sock.addr("::1", 80, "tcp", "inet6", "tcp"))
  t.check(sock.addr(t.path("addr"), nil, "tcp", "unix"))
  t.check(sock.addr("127.0.0.1", 53, "udp", "inet", "udp", { "passive", numerichost = true }))
  t.check(sock.addr("127.0.0.1", 53, "udp", nil, nil, "numerichost|passive"))
  t.check(sock.addr("127.0.0.1", 1, "raw", "inet", "icmp"))
end)

step("addr lookup of localhost, canonname", function(t)
  local sock = t.sock
  t.arm()
  local ai = t.check(sock.addr("localhost", 80, "tcp", "inet", nil, "cannonname"))
  t.check(ai:name(), "canonical name")
end)

step("addr failure", function(t)
  t.arm()
  local ai, err = t.sock.addr("not-a-number", 80, "tcp", nil, nil, "numerichost")
  t.check(ai == nil and err, "an error")
end)

step("ai methods", function(t)
  local sock = t.sock
  local ai = t.check(sock.addr("localhost", 80, "tcp", "inet", nil, "all"))
  t.arm()
  t.check(ai:type() == "tcp" and ai:family() == "inet" and ai:protocol() == "tcp", "type, family, protocol")
  t.check(ai:tostring():find(":80", 1, true), "tostring")
  t.check(tostring(ai):find(":80", 1, true), "__tostring")
  local n = 0
  for entry in ai:addrs() do n = n + 1 t.check(entry.addr:port() == 80, "addrs") end
  t.check(n >= 1, "at least one")
  local next = ai:next()
  t.check(next == nil or next:family(), "next")
  t.check(ai.addr:port() == 80, "ai.addr")
  t.check(ai.free, "methods through __index")
  ai:free()
  local ok = t.pcall(ai.type, ai)
  t.check(not ok, "a freed ai raises")
end)

step("sa and ip methods", function(t)
  local sock = t.sock
  local sa = t.check(sock.addr("127.0.0.1", 80, "tcp")).addr
  local sa6 = t.check(sock.addr("::1", 80, "tcp", "inet6")).addr
  local other = t.check(sock.addr("127.0.0.1", 80, "tcp")).addr
  t.arm()
  t.check(sa:family() == "inet" and sa:port() == 80, "family, port")
  t.check(sa:tostring() == "127.0.0.1:80" and tostring(sa) == "127.0.0.1:80", "tostring")
  t.check(sa == other, "__eq")
  local ip = sa:addr()
  t.check(ip:tostring() == "127.0.0.1" and tostring(ip) == "127.0.0.1", "ip tostring")
  t.check(#ip:tobinary() == 4 and #sa6:addr():tobinary() == 16, "tobinary")
  t.check(ip == other:addr(), "ip __eq")
end)

-- Sockets: constructors and the methods every kind has.
for _, family in ipairs { false, "inet6", "unix" } do
  local name = family and ("%q"):format(family) or ""
  step("tcp(" .. name .. ")", function(t)
    t.arm()
    local s = t.check(t.sock.tcp(family or nil))
    s:close()
  end)
  step("udp(" .. name .. ")", function(t)
    t.arm()
    local s = t.check(t.sock.udp(family or nil))
    s:close()
  end)
end

step("tcp with a protocol", function(t)
  t.arm()
  local s = t.check(t.sock.tcp("inet", "tcp"))
  s:close()
end)

step("socket shared methods", function(t)
  local sock = t.sock
  local s = t.check(sock.tcp())
  local u = t.check(sock.udp())
  t.arm()
  t.check(s:type() == "tcp" and s:family() == "inet" and s:protocol() == "tcp", "tcp identity")
  t.check(u:type() == "udp" and u:protocol() == "udp", "udp identity")
  t.check(tostring(s):find("sock.tcp", 1, true), "tostring")
  t.check(s:bind(t.host, 0))
  t.check(s:getsockname():port() > 0, "getsockname")
  local peer, err = s:getpeername()
  t.check(peer == nil and err, "not connected")
  t.check(u:bind(sock.addr(t.host, 0, "udp")))
  t.check(s:close())
  local ok, err2 = s:bind(t.host, 0)
  t.check(ok == nil and err2 == "closed", err2)
  t.check(u:close())
end)

step("garbage collection closes", function(t)
  local sock = t.sock
  t.arm()
  for _, make in ipairs { sock.tcp, sock.udp } do
    local s = t.check(make())
    t.check(s:bind(t.host, 0))
  end
  local c, s = tcp_pair(t)
  c, s = nil, nil
  collectgarbage()
  collectgarbage()
end)

step("bind to an sa", function(t)
  local sock = t.sock
  local sa = t.check(sock.addr(t.host, 0, "tcp")).addr
  local s = t.check(sock.tcp())
  t.arm()
  t.check(s:bind(sa))
  s:close()
end)

step("setopt, getopt", function(t)
  local sock = t.sock
  local s = t.check(sock.tcp())
  local u = t.check(sock.udp())
  t.arm()
  for _, option in ipairs { "so_reuseaddr", "so_reuseport", "so_keepalive", "tcp_nodelay" } do
    t.check(s:setopt(option, true))
    t.check(s:getopt(option) == true, option)
  end
  t.check(u:setopt("so_broadcast", true))
  t.check(s:setopt("so_rcvbuf", 65536))
  t.check(s:getopt("so_sndbuf") > 0, "so_sndbuf")
  t.check(s:setopt("so_linger", 0))
  t.check(s:getopt("so_linger") == 0, "so_linger")
  t.check(s:getopt("so_error") == 0, "so_error")
  local ok, err = u:setopt("tcp_nodelay", true)
  t.check(ok == nil and err, "tcp_nodelay on udp")
end)

step("raw", function(t)
  local sock = t.sock
  t.arm()
  local s, err = sock.raw()
  if not s then
    t.check(err == "access_denied", err)  -- no CAP_NET_RAW (and on the simulated kernel)
    return
  end
  t.check(s:type() == "raw" and s:protocol() == "icmp", "raw identity")
  local echo = "\8\0\247\255\0\0\0\0"  -- type 8, code 0, checksum of the rest, id 0, seq 0
  sock.newthread(function()
    t.check(s:send(echo, nil, t.host, 0, expires(t)))
    local buf = sock.buffer(1500)
    t.check(s:recv(buf, nil, expires(t)))
    s:close()
  end)
  run(t)
end)

-- TCP.
step("tcp listen forms", function(t)
  local sock = t.sock
  t.arm()
  local a = t.check(sock.tcp())
  t.check(a:listen())
  local b = t.check(sock.tcp())
  t.check(b:listen(16, t.host, 0))
  local c = t.check(sock.tcp())
  t.check(c:listen(sock.addr(t.host, 0, "tcp")))
  a:close()
  b:close()
  c:close()
end)

step("tcp connect, accept", function(t)
  local sock = t.sock
  local l, port = listener(t)
  t.arm()
  local c = t.check(sock.tcp())
  local remote
  sock.newthread(function() t.check(c:connect(t.host, port, expires(t))) end)
  sock.newthread(function()
    local s, r = t.check(l:accept(expires(t)))
    remote = r
    s:close()
  end)
  run(t)
  t.check(remote and remote:port() > 0, "accepted")
end)

step("tcp accept waits for a connect", function(t)
  local sock = t.sock
  local l, port = listener(t)
  t.arm()
  local accepted
  sock.newthread(function()
    local s = t.check(l:accept(expires(t)))
    accepted = true
    s:close()
  end)
  sock.newthread(function()
    sock.sleep(0.001)
    local c = t.check(sock.tcp())
    t.check(c:connect(sock.addr(t.host, port, "tcp"), expires(t)))
    c:close()
  end)
  run(t)
  t.check(accepted, "accepted")
end)

step("tcp accept expires", function(t)
  local sock = t.sock
  local l = listener(t)
  t.arm()
  local err
  sock.newthread(function() _, err = l:accept(sock.clock() + 0.01) end)
  run(t)
  t.check(err == "timeout", err)
end)

step("tcp connect inet6", function(t)
  local sock = t.sock
  local l, port = listener(t, "inet6")
  t.arm()
  local c = t.check(sock.tcp("inet6"))
  sock.newthread(function() t.check(c:connect("::1", port, expires(t))) end)
  run(t)
  c:close()
end)

step("tcp connect refused", function(t)
  local sock = t.sock
  local l, port = listener(t)
  l:close()
  t.arm()
  local c = t.check(sock.tcp())
  local err
  sock.newthread(function() _, err = c:connect(t.host, port, expires(t)) end)
  run(t)
  t.check(err == "connection_refused", err)
end)

step("unix connect, accept", function(t)
  local sock = t.sock
  local path = t.path("stream")
  t.arm()
  local l = t.check(sock.tcp("unix"))
  t.check(l:listen(path))
  local c = t.check(sock.tcp("unix"))
  sock.newthread(function() t.check(c:connect(path, expires(t))) end)
  sock.newthread(function() t.check(l:accept(expires(t))):close() end)
  run(t)
  c:close()
  l:close()
end)

step("unix connect to a full backlog, then accepted", function(t)
  local sock = t.sock
  local l, path = full_unix_listener(t)
  t.arm()
  local c = t.check(sock.tcp("unix"))
  sock.newthread(function() t.check(c:connect(path, expires(t))) end)
  sock.newthread(function()
    sock.sleep(0.02)
    t.check(l:accept(expires(t)))
  end)
  run(t)
end)

step("unix connect to a full backlog expires", function(t)
  local sock = t.sock
  local l, path = full_unix_listener(t)
  t.arm()
  local c = t.check(sock.tcp("unix"))
  local err
  sock.newthread(function() _, err = c:connect(path, sock.clock() + 0.02) end)
  run(t)
  t.check(err == "timeout", err)
end)

step("tcp send, recv", function(t)
  local sock, c, s, buf = armed_pair(t)
  local got
  sock.newthread(function()
    t.check(c:send("hello") == 5, "send string")
    t.check(c:send(buf, 8) == 8, "send buffer, maxlen")
    local n = t.check(s:recv(buf, nil, expires(t)))
    got = n
  end)
  run(t)
  t.check(got and got > 0, "received")
end)

step("tcp recv waits for data", function(t)
  local sock, c, s, buf = armed_pair(t)
  local got
  sock.newthread(function()
    local n = t.check(s:recv(buf, nil, expires(t)))
    got = buf:tostring(n)
    -- the same socket again, after a short read: waits without trying
    n = t.check(s:recv(buf, 64, expires(t)))
    got = got .. buf:tostring(n)
  end)
  sock.newthread(function()
    sock.sleep(0.001)
    t.check(c:send("first"))
    sock.sleep(0.001)
    t.check(c:send("second"))
  end)
  run(t)
  t.check(got == "firstsecond", got)
end)

step("tcp recv at the peer's FIN, shutdown", function(t)
  local sock, c, s, buf = armed_pair(t)
  local err
  sock.newthread(function()
    t.check(c:shutdown("w"))
    _, err = s:recv(buf, nil, expires(t))
    t.check(s:shutdown("rw"))
  end)
  run(t)
  t.check(err == "closed", err)
end)

step("tcp send fills the peer and waits", function(t)
  local sock = t.sock
  local c, s = tcp_pair(t)
  local block = ("x"):rep(4 * 1048576)
  local buf = sock.buffer(65536)
  t.arm()
  local received = 0
  sock.newthread(function() t.check(c:send(block, nil, expires(t, 5))) c:close() end)
  sock.newthread(function()
    while true do
      local n = s:recv(buf, nil, expires(t, 5))
      if not n then break end
      received = received + n
    end
  end)
  run(t)
  t.check(received == #block, "received everything")
end)

step("tcp recv expires and closes", function(t)
  local sock, c, s, buf = armed_pair(t)
  local err, again
  sock.newthread(function()
    _, err = s:recv(buf, nil, sock.clock() + 0.01)
    _, again = s:recv(buf)
  end)
  run(t)
  t.check(err == "timeout" and again == "closed", err)
end)

step("tcp close with unread data resets", function(t)
  local sock, c, s, buf = armed_pair(t)
  local err
  sock.newthread(function()
    t.check(c:send("unread"))
    sock.sleep(0.01)
    s:close()
    sock.sleep(0.01)
    c:send("more")
    _, err = c:recv(buf, nil, expires(t))
  end)
  run(t)
  t.check(err == "connection_reset" or err == "closed", err)
end)

-- UDP.
step("udp connect, send, recv", function(t)
  local sock, a, sa, b, buf = armed_udp_pair(t)
  local from
  sock.newthread(function()
    t.check(b:connect(sa))
    t.check(b:send("one") == 3, "send")
    local n
    n, from = t.check(a:recv(buf, nil, expires(t)))
  end)
  run(t)
  t.check(from and from:port() > 0, "sender")
end)

step("udp send forms", function(t)
  local sock = t.sock
  local a, sa = bound_udp(t)
  local b = bound_udp(t)
  local buf = sock.buffer(64)
  local port = sa:port()
  local ai = t.check(sock.addr(t.host, port, "udp"))
  t.arm()
  local got = 0
  sock.newthread(function()
    t.check(b:send("host port", t.host, port))
    t.check(b:send(buf, 4, t.host, port, expires(t)))
    t.check(b:send("ai", ai))
    t.check(b:send("sa", sa, expires(t)))
    for _ = 1, 4 do
      t.check(a:recv(buf, 64, expires(t)))
      got = got + 1
    end
  end)
  run(t)
  t.check(got == 4, "four datagrams")
end)

step("udp recv waits for a datagram", function(t)
  local sock, a, sa, b, buf = armed_udp_pair(t)
  local n
  sock.newthread(function() n = t.check(a:recv(buf, nil, expires(t))) end)
  sock.newthread(function() sock.sleep(0.001) t.check(b:send("late", sa)) end)
  run(t)
  t.check(n == 4, "received")
end)

step("udp recv expires", function(t)
  local sock = t.sock
  local a = bound_udp(t)
  local buf = sock.buffer(64)
  t.arm()
  local err
  sock.newthread(function() _, err = a:recv(buf, nil, sock.clock() + 0.01) end)
  run(t)
  t.check(err == "timeout", err)
end)

return steps
