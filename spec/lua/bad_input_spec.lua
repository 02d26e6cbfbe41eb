-- Programming errors are raised, naming the function and the argument:
-- wrong types, negative sizes, a non-socket self, unknown names. None may
-- crash the process or leak a descriptor.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"
local raises = helpers.raises

describe("bad input to module functions", function()

  it("tcp and udp raise for a family that is not a string", net.test(function(socket)
    raises(function() socket.tcp({}) end, "tcp", { "#1", "family" })
    raises(function() socket.udp(true) end, "udp", { "#1", "family" })
  end))

  it("select raises for a bad timeout", net.test(function(socket)
    raises(function() socket.select({}, {}, "soon") end, "select", { "#3", "timeout" })
  end))

  it("getaddrinfo raises for a port of the wrong type", net.test(function(socket)
    raises(function() socket.getaddrinfo("127.0.0.1", {}) end, "getaddrinfo", { "#2", "port" })
  end))
end)

describe("bad input to tcp methods", function()

  it("read raises for a negative size", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:read(-1) end, "read", { "#1", "size" })
    s:close()
  end))

  it("read raises for a size that is not a number", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:read("ten") end, "read", { "#1", "size" })
    raises(function() s:read() end, "read", { "#1", "size" })
    s:close()
  end))

  it("readany raises for a negative max", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:readany(-5) end, "readany", { "#1", "max" })
    s:close()
  end))

  it("write raises for data that is not a string", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:write({}) end, "write", { "#1", "data" })
    raises(function() s:write(nil) end, "write", { "#1", "data" })
    s:close()
  end))

  it("readuntil raises for a pattern that is not a string", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:readuntil({}) end, "readuntil", { "#1", "pattern" })
    raises(function() s:readuntil(nil) end, "readuntil", { "#1", "pattern" })
    s:close()
  end))

  it("readuntil raises for an empty pattern", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:readuntil("") end, "readuntil", { "#1", "pattern" })
    s:close()
  end))

  it("connect raises for a host or port of the wrong type", net.test(function(socket)
    local s = assert(socket.tcp())
    raises(function() s:connect({}, 80) end, "connect", { "#1", "host" })
    raises(function() s:connect("127.0.0.1", {}) end, "connect", { "#2", "port" })
    s:close()
  end))

  it("bind raises for a host of the wrong type", net.test(function(socket)
    local s = assert(socket.tcp())
    raises(function() s:bind({}, 0) end, "bind", { "#1", "host" })
    s:close()
  end))

  it("listen raises for a backlog that is not a number", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:listen("many") end, "listen", { "#1", "backlog" })
    s:close()
  end))

  it("settimeout raises for a timeout that is not a number", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:settimeout("slow") end, "settimeout", { "#1", "timeout" })
    s:close()
  end))

  it("shutdown raises for an unknown how", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    raises(function() a:shutdown("x") end, "shutdown", { "#1", "how" })
    raises(function() a:shutdown(99) end, "shutdown", { "#1", "how" })
    raises(function() a:shutdown({}) end, "shutdown", { "#1", "how" })
    -- The socket is untouched by the failed calls.
    assert.equal(1, a:write("x"))
    a:close(); b:close()
  end))

  it("setopt raises for an unknown option name", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    raises(function() s:setopt("tcp_bogus", true) end, "setopt", { "#1", "tcp_bogus", "opt" })
    s:close()
  end))
end)

describe("bad self", function()

  it("a tcp method called on a number raises", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    local methods = getmetatable(s).__index
    raises(function() methods.read(42, 1) end, "read", { "#1", "self", "tcpsock" })
    raises(function() methods.close(42) end, "close", { "#1", "self", "tcpsock" })
    raises(function() methods.fileno(nil) end, "fileno", { "#1", "self", "tcpsock" })
    s:close()
  end))

  it("a tcp method called on a table raises", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    local fake = setmetatable({}, { __index = getmetatable(s).__index })
    raises(function() fake:write("x") end, "write", { "#1", "self", "tcpsock" })
    raises(function() fake:settimeout(1) end, "settimeout", { "#1", "self", "tcpsock" })
    s:close()
  end))

  it("a tcp method called on a udp socket raises", net.test(function(socket)
    local t = assert(socket.tcp("inet"))
    local u = assert(socket.udp("inet"))
    local tcp_methods = getmetatable(t).__index
    raises(function() tcp_methods.read(u, 1) end, "read", { "#1", "self", "tcpsock" })
    raises(function() tcp_methods.accept(u) end, "accept", { "#1", "self", "tcpsock" })
    t:close(); u:close()
  end))

  it("a udp method called on a tcp socket raises", net.test(function(socket)
    local t = assert(socket.tcp("inet"))
    local u = assert(socket.udp("inet"))
    local udp_methods = getmetatable(u).__index
    raises(function() udp_methods.recv(t, 1) end, "recv", { "#1", "self", "udpsock" })
    raises(function() udp_methods.sendto(t, "x", net.host, 9) end, "sendto", { "#1", "self", "udpsock" })
    t:close(); u:close()
  end))

  it("a method called on a closed socket's userdata still type-checks", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    s:close()
    raises(function() s:read(-1) end, "read", { "#1", "size" })
  end))
end)

describe("bad input to udp methods", function()

  it("recv and recvfrom raise for a negative size", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    raises(function() u:recv(-1) end, "recv", { "#1", "size" })
    raises(function() u:recvfrom(-1) end, "recvfrom", { "#1", "size" })
    u:close()
  end))

  it("send and sendto raise for data that is not a string", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    raises(function() u:send({}) end, "send", { "#1", "data" })
    raises(function() u:sendto(nil, net.host, 9) end, "sendto", { "#1", "data" })
    u:close()
  end))

  it("sendto raises for a host or port of the wrong type", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    raises(function() u:sendto("x", {}, 9) end, "sendto", { "#2", "host" })
    raises(function() u:sendto("x", net.host, {}) end, "sendto", { "#3", "port" })
    u:close()
  end))
end)

describe("after bad input", function()

  it("no descriptor leaked by the raised errors", net.test(function(socket)
    collectgarbage(); collectgarbage()
    local before = net.open_descriptors()
    for _ = 1, 100 do
      pcall(function() socket.tcp({}) end)
      pcall(function() local s = socket.tcp(); s:connect({}, 1) end)
      pcall(function() local s = socket.udp(); s:sendto("x", {}, 1) end)
      pcall(function() local s = socket.tcp("inet"); s:read(-1) end)
    end
    collectgarbage(); collectgarbage()
    assert.equal(before, net.open_descriptors())
  end))
end)
