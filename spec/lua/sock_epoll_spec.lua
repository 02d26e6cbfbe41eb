-- sock.epoll_fd: get or set the loop's epoll, so that loops can share one.
-- Linux only (the simulated kernel has no epoll: epoll_fd returns nil, err).
-- Several OS threads sharing it are tested in spec/threads (Catch2, TSan).

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"

describe("sock.epoll_fd #loopback", function()

  it("returns the loop's epoll descriptor", support.test(function(sock)
    local fd = sock.epoll_fd()
    assert.is_number(fd)
    assert.is_true(fd >= 0)
    assert.equal(fd, sock.epoll_fd())
  end))

  it("lets two loops share one epoll, each serving its own sockets", support.test(function(a)
    local b = net.sock()
    b.onerror(function(msg) error(msg) end)
    assert.is_true(b.epoll_fd(a.epoll_fd()))
    local served = { a = 0, b = 0 }
    local function serve(sock, name, n)
      local l, port = support.listener(sock)
      sock.newthread(function()
        for _ = 1, n do
          local c = assert(l:accept())
          sock.newthread(function()
            local buf = sock.buffer(64)
            local got = assert(c:recv(buf))
            assert(c:send(buf, got))
            c:close()
            served[name] = served[name] + 1
          end)
        end
        l:close()
      end)
      return port
    end
    local a_port = serve(a, "a", 20)
    local b_port = serve(b, "b", 20)
    -- Each loop's clients talk to the other loop's server.
    local function clients(sock, port, n)
      for i = 1, n do
        sock.newthread(function()
          local c = assert(sock.tcp())
          assert(c:connect(net.host, port))
          assert(c:send("m" .. i))
          assert.equal("m" .. i, (support.read_all(sock, c)))
          c:close()
        end)
      end
    end
    clients(a, b_port, 20)
    clients(b, a_port, 20)
    -- One OS thread drives both loops in turn: an event either one takes
    -- off the shared epoll must reach the loop that owns the socket.
    local deadline = a.clock() + support.LIMIT
    while (served.a < 20 or served.b < 20) and a.clock() < deadline do
      a.poll(0.01)
      b.poll(0.01)
    end
    assert.same({ a = 20, b = 20 }, served)
    assert.is_true(a.start(support.LIMIT))
    assert.is_true(b.start(support.LIMIT))
  end))

  it("cannot change while threads wait", support.test(function(sock)
    local l = support.listener(sock)
    sock.newthread(function() l:accept() end)
    support.raises(function() sock.epoll_fd(sock.epoll_fd()) end, "epoll_fd", "wait")
    l:close()
    support.run(sock)
  end))

  it("raises on a descriptor that is not an epoll", support.test(function(sock)
    local t = assert(sock.tcp())
    local fd = tonumber(tostring(t):match("(%d+)>$"))
    support.raises(function() sock.epoll_fd(fd) end, "epoll_fd", "epoll")
    support.raises(function() sock.epoll_fd(-1) end, "epoll_fd", "descriptor")
    support.raises(function() sock.epoll_fd("x") end, "epoll_fd", "#1")
    t:close()
  end))
end)
