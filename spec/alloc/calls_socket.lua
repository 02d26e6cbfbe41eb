-- Steps of the sweep for the `socket` module: every module function and
-- every method of tcp and udp sockets (inet, inet6, unix), including the
-- paths that wait. See harness.lua for what a step and `t` are.

local steps = {}
local function step(name, body, opts)
  opts = opts or {}
  steps[#steps + 1] = { name = "socket: " .. name, body = body, only = opts.only, bare = opts.bare }
end

-- A listening tcp socket on the loopback and its port.
local function listener(t, family)
  local l = t.check(t.socket.tcp(family))
  l:settimeout(2)
  t.check(l:bind(family == "inet6" and "::1" or t.host, 0))
  t.check(l:listen(8))
  return l, l:getsockname().port
end

-- A connected pair: the client and the accepted server side.
local function tcp_pair(t)
  local l, port = listener(t)
  local c = t.check(t.socket.tcp())
  c:settimeout(2)
  t.check(c:connect(t.host, port))
  local s = t.check(l:accept())
  return c, s, l
end

-- tcp_pair with `data` already sent to the server side, which then reads
-- with `timeout`.
local function pair_holding(t, data, timeout)
  local c, s = tcp_pair(t)
  t.check(c:write(data))
  s:settimeout(timeout)
  return c, s
end

local function bound_udp(t, family)
  local u = t.check(t.socket.udp(family))
  u:settimeout(2)
  t.check(u:bind(family == "inet6" and "::1" or t.host, 0))
  return u, u:getsockname().port
end

-- The module itself.
step("require", function(t)
  t.arm()
  local socket = require "socket"
  t.check(socket.tcp)
end, { only = "loopback", bare = true })

for _, family in ipairs { false, "inet", "inet6", "unix" } do
  local name = family and ("%q"):format(family) or ""
  step("tcp(" .. name .. ")", function(t)
    t.arm()
    local s = t.check(t.socket.tcp(family or nil))
    s:close()
  end)
  step("udp(" .. name .. ")", function(t)
    t.arm()
    local s = t.check(t.socket.udp(family or nil))
    s:close()
  end)
end

step("getaddrinfo numeric", function(t)
  local socket = t.socket
  t.arm()
  local list = t.check(socket.getaddrinfo("127.0.0.1", 80))
  t.check(list[1].addr == "127.0.0.1", "addr")
  t.check(socket.getaddrinfo("::1", "80", socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP,
                             socket.AI_NUMERICHOST + socket.AI_NUMERICSERV))
  t.check(socket.getaddrinfo(nil, 80, socket.AF_INET, socket.SOCK_DGRAM, 0, socket.AI_PASSIVE))
end)

step("getaddrinfo localhost, canonname", function(t)
  local socket = t.socket
  t.arm()
  local list = t.check(socket.getaddrinfo("localhost", 80, socket.AF_INET, socket.SOCK_STREAM, 0,
                                          socket.AI_CANONNAME))
  t.check(list[1].canonname, "canonname")
end)

step("getaddrinfo failure", function(t)
  local socket = t.socket
  t.arm()
  local list, err = socket.getaddrinfo("not-a-number", 80, 0, 0, 0, socket.AI_NUMERICHOST)
  t.check(list == nil and err, "an error")
end)

step("select ready", function(t)
  local c, s = tcp_pair(t)
  t.check(c:write("ping"))
  t.arm()
  local r = t.check(t.socket.select({ s, c:fileno() }, nil, 1))
  t.check(r[1] == s, "readable")
  local _, w = t.check(t.socket.select(nil, { c }, 1))
  t.check(w[1] == c, "writable")
end)

step("select timeout", function(t)
  local c, s = tcp_pair(t)
  t.arm()
  local r, w, err = t.socket.select({ s }, nil, 0.01)
  t.check(r == nil and err == t.socket.ERROR_TIMEOUT, err)
end)

step("select buffered readuntil data", function(t)
  local c, s = tcp_pair(t)
  t.check(c:write("a\nb\n"))
  local lines = s:readuntil("\n")
  t.check(lines())
  t.arm()
  local r = t.check(t.socket.select({ s }, {}, 0))
  t.check(r[1] == s, "buffered data counts as readable")
end)

step("tcp connect", function(t)
  local l, port = listener(t)
  t.arm()
  local c = t.check(t.socket.tcp())
  c:settimeout(2)
  t.check(c:connect(t.host, port))
  c:close()
end)

step("tcp connect inet6", function(t)
  local l, port = listener(t, "inet6")
  t.arm()
  local c = t.check(t.socket.tcp())
  c:settimeout(2)
  t.check(c:connect("::1", port))
  c:close()
end)

step("tcp connect refused", function(t)
  local l, port = listener(t)
  l:close()
  t.arm()
  local c = t.check(t.socket.tcp())
  c:settimeout(2)
  local ok, err = c:connect(t.host, port)
  t.check(ok == nil and err == t.socket.ERROR_REFUSED, err)
end)

step("tcp connect non-blocking, then finish it", function(t)
  local l, port = listener(t)
  local c = t.check(t.socket.tcp())
  t.arm()
  c:settimeout(0)
  local ok, err = c:connect(t.host, port)
  if not ok then
    t.check(err == t.socket.ERROR_TIMEOUT, err)
    t.check(t.socket.select(nil, { c }, 2))
    c:settimeout(2)
    t.check(c:connect(t.host, port))
  end
  c:close()
end)

step("tcp bind, listen, accept", function(t)
  local socket = t.socket
  t.arm()
  local l = t.check(socket.tcp())
  l:settimeout(2)
  t.check(l:bind("*", 0))
  t.check(l:listen(4))
  local c = t.check(socket.tcp())
  c:settimeout(2)
  t.check(c:connect(t.host, l:getsockname().port))
  local s = t.check(l:accept())
  t.check(s:gettimeout() == 2, "inherits the timeout")
  s:close()
  c:close()
  l:close()
end)

step("tcp accept", function(t)
  local l, port = listener(t)
  local c = t.check(t.socket.tcp())
  c:settimeout(2)
  t.check(c:connect(t.host, port))
  t.arm()
  local s = t.check(l:accept())
  s:close()
end)

step("tcp accept times out", function(t)
  local l = listener(t)
  l:settimeout(0.01)
  t.arm()
  local s, err = l:accept()
  t.check(s == nil and err == t.socket.ERROR_TIMEOUT, err)
end)

step("tcp write, read", function(t)
  local c, s = tcp_pair(t)
  t.arm()
  t.check(c:write("hello world"))
  t.check(s:read(5) == "hello", "read 5")
  t.check(s:readany(100) == " world", "readany")
end)

step("tcp read waits, times out with partial", function(t)
  local c, s = pair_holding(t, "abc", 0.01)
  t.arm()
  local data, err, partial = s:read(10)
  t.check(data == nil and err == t.socket.ERROR_TIMEOUT and partial == "abc", err)
end)

step("tcp read after the peer closed", function(t)
  local c, s = tcp_pair(t)
  t.check(c:write("abc"))
  c:close()
  t.arm()
  local data, err, partial = s:read(10)
  t.check(data == nil and err == t.socket.ERROR_CLOSED and partial == "abc", err)
  local any, err2 = s:readany(10)
  t.check(any == nil and err2 == t.socket.ERROR_CLOSED, err2)
end)

step("tcp write fills the peer and times out", function(t)
  local c, s = tcp_pair(t)
  t.check(c:setopt(t.socket.OPT_TCP_NODELAY, true))
  c:settimeout(0.05)
  local block = ("x"):rep(1048576)
  t.arm()
  local sent, err
  for _ = 1, 64 do
    sent, err = c:write(block)
    if not sent then break end
  end
  t.check(sent == nil and err == t.socket.ERROR_TIMEOUT, err)
end)

step("tcp readuntil", function(t)
  local c, s = tcp_pair(t)
  t.check(c:write("one\r\ntwo\r\nthree"))
  c:close()
  t.arm()
  local lines = s:readuntil("\r\n")
  t.check(lines() == "one", "first line")
  local inclusive = s:readuntil("\r\n", true)
  t.check(inclusive() == "two\r\n", "second line")
  local line, err, partial = lines()
  t.check(line == nil and err == t.socket.ERROR_CLOSED and partial == "three", err)
end)

step("tcp readuntil waits for its pattern", function(t)
  local c, s = pair_holding(t, "no end yet", 0.01)
  t.arm()
  local line, err, partial = s:readuntil("\n")()
  t.check(line == nil and err == t.socket.ERROR_TIMEOUT, err)
end)

step("tcp shutdown", function(t)
  local c, s = tcp_pair(t)
  t.arm()
  t.check(c:shutdown(t.socket.SHUT_WR))
  t.check(s:shutdown("r"))
  t.check(c:shutdown("rw"))
end)

step("tcp timeouts, fileno, tostring, close", function(t)
  local c, s = tcp_pair(t)
  t.arm()
  t.check(c:settimeout(0.5))
  t.check(c:gettimeout() == 0.5, "gettimeout")
  t.check(c:fileno() >= 0, "fileno")
  t.check(tostring(c):find("tcpsock", 1, true), "tostring")
  t.check(c:close())
  t.check(c:close())
  t.check(c:fileno() == -1, "closed")
  local ok, err = c:read(1)
  t.check(ok == nil and err == t.socket.ERROR_CLOSED, err)
end)

step("tcp setopt, getopt", function(t)
  local c, s = tcp_pair(t)
  local socket = t.socket
  t.arm()
  for _, option in ipairs { socket.OPT_TCP_NODELAY, socket.OPT_TCP_KEEPALIVE, socket.OPT_TCP_REUSEADDR } do
    t.check(c:setopt(option, true))
    t.check(c:getopt(option) == true, option)
  end
  t.check(c:setopt("so_linger", 1))
  t.check(c:getopt("so_linger") == 1, "so_linger")
  t.check(c:setopt("so_linger", false))
end)

step("tcp getsockname, getpeername", function(t)
  local c, s = tcp_pair(t)
  t.arm()
  local name = t.check(c:getsockname())
  local peer = t.check(c:getpeername())
  t.check(name.ip == t.host and peer[1] == t.host, "names")
end)

step("tcp garbage collection closes", function(t)
  local l, port = listener(t)
  t.arm()
  for _ = 1, 3 do
    local c = t.check(t.socket.tcp())
    c:settimeout(2)
    t.check(c:connect(t.host, port))
  end
  collectgarbage()
  collectgarbage()
end)

step("unix stream connect, accept, write, read", function(t)
  local socket = t.socket
  local path = t.path("stream")
  t.arm()
  local l = t.check(socket.tcp())
  l:settimeout(2)
  t.check(l:bind("unix:" .. path))
  t.check(l:listen(4))
  local c = t.check(socket.tcp())
  c:settimeout(2)
  t.check(c:connect("unix:" .. path))
  local s = t.check(l:accept())
  t.check(c:write("unix"))
  t.check(s:read(4) == "unix", "read")
  t.check(s:getsockname() == path, "getsockname")
  s:close()
  c:close()
  l:close()
end)

step("unix stream connect to a missing path", function(t)
  t.arm()
  local c = t.check(t.socket.tcp())
  c:settimeout(2)
  local ok, err = c:connect("unix:" .. t.path("missing"))
  t.check(ok == nil and err, "an error")
end)

step("udp bind, sendto, recvfrom", function(t)
  local a, port = bound_udp(t)
  local b = bound_udp(t)
  t.arm()
  t.check(b:sendto("datagram", t.host, port))
  local data, from = t.check(a:recvfrom(100))
  t.check(data == "datagram" and from.ip == t.host, "recvfrom")
end)

step("udp connect, send, recv", function(t)
  local a, port = bound_udp(t)
  local b = bound_udp(t)
  t.arm()
  t.check(b:connect(t.host, port))
  t.check(b:send("one"))
  t.check(a:recv(2) == "on", "truncated")
  t.check(b:getpeername().port == port, "getpeername")
end)

step("udp inet6", function(t)
  local a, port = bound_udp(t, "inet6")
  local b = bound_udp(t, "inet6")
  t.arm()
  t.check(b:sendto("six", "::1", port))
  local data, from = t.check(a:recvfrom(100))
  t.check(data == "six" and from.ip == "::1", "recvfrom")
end)

step("udp recv times out", function(t)
  local a = bound_udp(t)
  a:settimeout(0.01)
  t.arm()
  local data, err = a:recv(10)
  t.check(data == nil and err == t.socket.ERROR_TIMEOUT, err)
end)

step("udp shared methods", function(t)
  local a = bound_udp(t)
  t.arm()
  t.check(a:settimeout(1))
  t.check(a:gettimeout() == 1, "gettimeout")
  t.check(a:fileno() >= 0, "fileno")
  t.check(tostring(a):find("udpsock", 1, true), "tostring")
  t.check(a:getsockname().ip == t.host, "getsockname")
  t.check(a:setopt(t.socket.OPT_TCP_REUSEADDR, true))
  t.check(a:getopt(t.socket.OPT_TCP_REUSEADDR) == true, "getopt")
  local ok, err = a:setopt(t.socket.OPT_TCP_NODELAY, true)
  t.check(ok == nil and err, "tcp_nodelay on udp")
  t.check(a:close())
end)

step("udp sendto over the datagram limit", function(t)
  local a, port = bound_udp(t)
  local big = ("x"):rep(70000)
  t.arm()
  local ok, err = a:sendto(big, t.host, port)
  t.check(ok == nil and err, "an error")
end)

step("unix datagram sendto, recvfrom", function(t)
  local socket = t.socket
  local path_a, path_b = t.path("dgram-a"), t.path("dgram-b")
  t.arm()
  local a = t.check(socket.udp("unix"))
  a:settimeout(2)
  t.check(a:bind("unix:" .. path_a))
  local b = t.check(socket.udp("unix"))
  b:settimeout(2)
  t.check(b:bind("unix:" .. path_b))
  t.check(b:sendto("local", "unix:" .. path_a))
  local data, from = t.check(a:recvfrom(100))
  t.check(data == "local" and from == path_b, "recvfrom")
  a:close()
  b:close()
end)

return steps
