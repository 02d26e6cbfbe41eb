-- Parity scenarios: socket options through both modules (defaults, set
-- and read back, what each socket kind refuses).

local S, scenario = require "spec.parity.area" ("options")

scenario("socket: defaults of a fresh TCP socket", function(t)
  local s = t.socket.tcp("inet")
  for _, opt in ipairs { t.socket.OPT_TCP_NODELAY, t.socket.OPT_TCP_KEEPALIVE, t.socket.OPT_TCP_REUSEADDR, "so_linger" } do
    t.rec(opt, s:getopt(opt))
  end
  s:close()
end)

scenario("socket: set and read back", function(t)
  local c, s = t.pair()
  for _, opt in ipairs { t.socket.OPT_TCP_NODELAY, t.socket.OPT_TCP_KEEPALIVE, t.socket.OPT_TCP_REUSEADDR } do
    t.rec(opt .. " on", c:setopt(opt, true), c:getopt(opt))
    t.rec(opt .. " off", c:setopt(opt, false), c:getopt(opt))
  end
  t.rec("so_linger 7", c:setopt("so_linger", 7), c:getopt("so_linger"))
  t.rec("so_linger off", c:setopt("so_linger", false), c:getopt("so_linger"))
  t.rec("accepted keeps its own", s:getopt(t.socket.OPT_TCP_NODELAY))
  c:close(); s:close()
end)

scenario("socket: options set before the OS socket exists", function(t)
  local srv = t.socket.tcp("inet")
  assert(srv:bind(t.host, 0)); assert(srv:listen(4))
  local c = t.socket.tcp()
  t.rec("set early", c:setopt(t.socket.OPT_TCP_NODELAY, true))
  c:settimeout(1)
  assert(c:connect(t.host, srv:getsockname()[2]))
  t.rec("after connect", c:getopt(t.socket.OPT_TCP_NODELAY))
  c:close(); srv:close()
end)

scenario("socket: keepalive on an idle connection", function(t)
  -- What a program can see of keepalive in bounded time: the option and a
  -- connection that stays up. (The probes themselves take the kernel's
  -- 2-hour idle time, too long for loopback; the simulator's probes are
  -- checked in virtual time by spec/lua/netsim_fidelity_spec.lua.)
  local c, s = t.pair()
  t.rec("on", c:setopt(t.socket.OPT_TCP_KEEPALIVE, true), s:setopt(t.socket.OPT_TCP_KEEPALIVE, true))
  t.sleep(0.2)
  t.rec("still up", c:write("x"), s:read(1))
  c:close(); s:close()
end)

scenario("socket: an unknown option raises", function(t)
  local s = t.socket.tcp("inet")
  t.rec("setopt", t.raised(function() return s:setopt("so_bogus", true) end))
  t.rec("getopt", t.raised(function() return s:getopt("so_bogus") end))
  s:close()
end)

scenario("sock: defaults and round trips", function(t)
  local sock = t.sock()
  local s = assert(sock.tcp())
  for _, opt in ipairs { "so_reuseaddr", "so_reuseport", "so_keepalive", "so_broadcast", "tcp_nodelay", "so_linger", "so_error" } do
    t.rec("default " .. opt, s:getopt(opt))
  end
  for _, opt in ipairs { "so_reuseaddr", "so_reuseport", "so_keepalive", "tcp_nodelay" } do
    t.rec(opt, s:setopt(opt, true), s:getopt(opt))
  end
  t.rec("so_linger", s:setopt("so_linger", 3), s:getopt("so_linger"))
  t.rec("so_linger 0", s:setopt("so_linger", 0), s:getopt("so_linger"))
  s:close()
end)

scenario("sock: buffer sizes are doubled", function(t)
  local sock = t.sock()
  local s = assert(sock.tcp())
  t.rec("so_rcvbuf", s:setopt("so_rcvbuf", 65536), s:getopt("so_rcvbuf"))
  t.rec("so_sndbuf", s:setopt("so_sndbuf", 65536), s:getopt("so_sndbuf"))
  t.rec("so_rcvbuf small", s:setopt("so_rcvbuf", 100), s:getopt("so_rcvbuf"))
  s:close()
end)

scenario("sock: what UDP refuses", function(t)
  local sock = t.sock()
  local u = assert(sock.udp())
  t.rec("tcp_nodelay", u:setopt("tcp_nodelay", true))
  t.rec("get tcp_nodelay", u:getopt("tcp_nodelay"))
  t.rec("so_broadcast", u:setopt("so_broadcast", true), u:getopt("so_broadcast"))
  t.rec("unknown", t.raised(function() return u:setopt("so_bogus", 1) end))
  u:close()
end)

scenario("sock: so_error after a refused connect", function(t)
  local sock = t.sock()
  local port = t.closed_port()
  local c = assert(sock.tcp())
  sock.newthread(function()
    t.rec("connect", c:connect(t.host, port, sock.clock() + 2))
    t.rec("so_error", c:getopt("so_error"))
  end)
  t.sock_run(sock)
  c:close()
end)

scenario("sock: options on a closed socket", function(t)
  local sock = t.sock()
  local s = assert(sock.tcp())
  s:close()
  t.rec("setopt", s:setopt("tcp_nodelay", true))
  t.rec("getopt", s:getopt("so_error"))
end)

return S
