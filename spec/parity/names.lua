-- Parity scenarios: names and addresses (getaddrinfo, ports and services,
-- sock.addr), all answered without a name server: numeric hosts,
-- "localhost", "*", service names.

local S, scenario = require "spec.parity.area" ("names")

-- The entries of a getaddrinfo answer, one line each, in the order given.
local function entries(list)
  if not list then return nil end
  local out = {}
  for n, e in ipairs(list) do
    out[n] = ("%s/%s/%s %s %s"):format(e.family, e.socktype, e.protocol, e.addr, e.port)
  end
  return out
end

scenario("getaddrinfo of a numeric IPv4 address", function(t)
  local S_ = t.socket
  t.rec("stream", entries(S_.getaddrinfo("127.0.0.1", 80, S_.AF_UNSPEC, S_.SOCK_STREAM)))
  t.rec("dgram", entries(S_.getaddrinfo("127.0.0.1", "80", S_.AF_INET, S_.SOCK_DGRAM)))
  t.rec("any type", entries(S_.getaddrinfo("127.0.0.1", 80)))
  t.rec("any type, no port", entries(S_.getaddrinfo("127.0.0.1", nil)))
  t.rec("any type, tcp", entries(S_.getaddrinfo("127.0.0.1", 80, 0, 0, S_.IPPROTO_TCP)))
end)

scenario("getaddrinfo: which socket types a service has", function(t)
  local S_ = t.socket
  t.rec("http", entries(S_.getaddrinfo("127.0.0.1", "http")))
  t.rec("domain", entries(S_.getaddrinfo("127.0.0.1", "domain")))
  t.rec("ntp", entries(S_.getaddrinfo("127.0.0.1", "ntp")))
  t.rec("http as dgram", S_.getaddrinfo("127.0.0.1", "http", 0, S_.SOCK_DGRAM))
  t.rec("ntp as stream", S_.getaddrinfo("127.0.0.1", "ntp", 0, S_.SOCK_STREAM))
  t.rec("raw with a port", S_.getaddrinfo("127.0.0.1", 80, 0, 3))
  t.rec("raw with a service", S_.getaddrinfo("127.0.0.1", "http", 0, 3))
end)

scenario("getaddrinfo of a numeric IPv6 address", function(t)
  local S_ = t.socket
  t.rec("stream", entries(S_.getaddrinfo("::1", 443, S_.AF_UNSPEC, S_.SOCK_STREAM)))
  t.rec("as inet", S_.getaddrinfo("::1", 443, S_.AF_INET, S_.SOCK_STREAM))
end)

scenario("getaddrinfo with AI_NUMERICHOST and a name", function(t)
  local S_ = t.socket
  t.rec("numerichost", S_.getaddrinfo("not-a-number", 80, S_.AF_UNSPEC, S_.SOCK_STREAM, 0, S_.AI_NUMERICHOST))
end)

scenario("getaddrinfo of localhost", function(t)
  local S_ = t.socket
  local v4 = entries(S_.getaddrinfo("localhost", 80, S_.AF_INET, S_.SOCK_STREAM))
  t.rec("inet", v4)
end)

scenario("getaddrinfo: ports and services", function(t)
  local S_ = t.socket
  t.rec("http", entries(S_.getaddrinfo("127.0.0.1", "http", S_.AF_INET, S_.SOCK_STREAM)))
  t.rec("65535", entries(S_.getaddrinfo("127.0.0.1", "65535", S_.AF_INET, S_.SOCK_STREAM)))
  t.rec("65617", S_.getaddrinfo("127.0.0.1", "65617", S_.AF_INET, S_.SOCK_STREAM))
  t.rec("unknown service", S_.getaddrinfo("127.0.0.1", "no-such-service", S_.AF_INET, S_.SOCK_STREAM))
  t.rec("numericserv with a name", S_.getaddrinfo("127.0.0.1", "http", S_.AF_INET, S_.SOCK_STREAM, 0, S_.AI_NUMERICSERV))
end)

scenario("getaddrinfo of the passive wildcard", function(t)
  local S_ = t.socket
  t.rec("passive", entries(S_.getaddrinfo(nil, 8080, S_.AF_INET, S_.SOCK_STREAM, 0, S_.AI_PASSIVE)))
  t.rec("not passive", entries(S_.getaddrinfo(nil, 8080, S_.AF_INET, S_.SOCK_STREAM)))
end)

scenario("connect and bind with service names and port strings", function(t)
  local s = t.socket.tcp("inet")
  t.rec("bind to a port string", s:bind(t.host, "0"))
  s:close()
  s = t.socket.tcp("inet")
  t.rec("port out of range", t.raised(function() return s:bind(t.host, 70000) end))
  t.rec("port string out of range", t.raised(function() return s:bind(t.host, "70000") end))
  t.rec("unknown service", s:bind(t.host, "no-such-service"))
  s:close()
end)

scenario("connect to localhost by name", function(t)
  local srv = t.socket.tcp("inet")
  assert(srv:bind(t.host, 0)); assert(srv:listen(4))
  local c = t.socket.tcp(); c:settimeout(1)
  t.rec("connect", c:connect("localhost", srv:getsockname()[2]))
  t.rec("peer", c:getpeername()[1])
  c:close(); srv:close()
end)

scenario("sock.addr forms", function(t)
  local sock = t.sock()
  t.rec("false", sock.addr(false, 80, "tcp"):tostring())
  t.rec("false, inet6", sock.addr(false, 80, "tcp", "inet6"):tostring())
  t.rec("star", sock.addr("*", 80, "tcp"):tostring())
  t.rec("nil", sock.addr(nil, nil, "udp"):tostring())
  t.rec("numeric", sock.addr("10.1.2.3", "8080", "tcp"):tostring())
  t.rec("service", sock.addr("127.0.0.1", "http", "tcp").addr:port())
  local ai = sock.addr("::1", 9, "udp", "inet6")
  t.rec("ai", ai:type(), ai:family(), ai:protocol(), ai.addr:family(), ai.addr:addr():tostring(), #ai.addr:addr():tobinary())
end)

scenario("sock.addr failures", function(t)
  local sock = t.sock()
  t.rec("numerichost", sock.addr("not-a-number", 80, "tcp", "inet", nil, "numerichost"))
  t.rec("unknown service", sock.addr("127.0.0.1", "no-such-service", "tcp"))
  t.rec("port out of range", t.raised(function() return sock.addr("127.0.0.1", 70000, "tcp") end))
  t.rec("v6 literal as inet", sock.addr("::1", 80, "tcp", "inet"))
end)

scenario("sock.addr of localhost", function(t)
  local sock = t.sock()
  local ai = sock.addr("localhost", 80, "tcp")
  local all = {}
  for e in ai:addrs() do all[#all + 1] = e:tostring() end
  t.rec("inet", all)
end)

return S
