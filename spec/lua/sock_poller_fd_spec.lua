-- sock.epoll_fd, sock.kqueue_fd, sock.uring_fd and sock.iocp: get or set
-- the loop's epoll, kqueue, io_uring or I/O completion port, so that loops
-- can share one. Whichever poller the loop runs on is tested (io_uring or
-- epoll on Linux, as LSOCK_POLLER says: docs/sock.md, "The poller"; kqueue
-- on the BSDs and in the libkqueue flavour: PORTING.md; the IOCP poller on
-- Windows, run under wine64 by tools/windows/test.sh); the others'
-- functions answer nil, err. The simulated kernel has none (all return nil,
-- err). Several OS threads sharing one are tested in spec/threads (Catch2,
-- TSan).
local net = require "spec.support.net"
local support = require "spec.lua.sock_support"
-- The interpreter running the specs: children load the same lsock.so.
local LUA = require "spec.support.interpreter"

-- Each kind of poller and the function that gets or sets it.
-- Error messages name io_uring in full, which "uring" matches.
local functions = { epoll = "epoll_fd", kqueue = "kqueue_fd", uring = "uring_fd", iocp = "iocp" }
-- The build's poller: the one whose function gives a handle.
local function kind_of(sock)
  for kind, name in pairs(functions) do
    if sock[name]() then return kind end
  end
end
-- The poller's function, called by its own field name (so that an error it
-- raises names it as a program's call would).
local function poller_fd(sock, ...)
  local kind = kind_of(sock)
  if kind == "epoll" then return sock.epoll_fd(...) end
  if kind == "iocp" then return sock.iocp(...) end
  if kind == "uring" then return sock.uring_fd(...) end
  return sock.kqueue_fd(...)
end

describe("sock.epoll_fd, sock.kqueue_fd, sock.uring_fd, sock.iocp #loopback", function()

  it("one of them is the build's poller, and the others answer nil, err", support.test(function(sock)
    local kind = kind_of(sock)
    assert.is_string(kind)
    local handle = sock[functions[kind]]()
    assert.is_number(handle)
    for other, name in pairs(functions) do
      if other ~= kind then
        local none, err = sock[name]()
        assert.is_nil(none)
        assert.matches(kind, err)
        assert.matches(other, err)
        assert.matches("sock." .. name, err, 1, true)
        none, err = sock[name](handle)
        assert.is_nil(none)
        assert.matches(kind, err)
      end
    end
  end))

  it("runs on the poller LSOCK_POLLER names", support.test(function(sock)
    local forced = os.getenv("LSOCK_POLLER")
    if forced == "io_uring" then
      assert.equal("uring", kind_of(sock))
    elseif forced == "epoll" then
      assert.equal("epoll", kind_of(sock))
    else
      assert.is_string(kind_of(sock))
    end
  end))

  it("returns the loop's descriptor", support.test(function(sock)
    local fd = poller_fd(sock)
    assert.is_number(fd)
    assert.is_true(fd >= 0)
    assert.equal(fd, poller_fd(sock))
  end))

  it("lets two loops share one poller, each serving its own sockets", support.test(function(a)
    local b = net.sock()
    b.onerror(function(msg) error(msg) end)
    assert.is_true(poller_fd(b, poller_fd(a)))
    local a_listener, a_port = support.listener(a)
    local b_listener, b_port = support.listener(b)
    local a_server = support.echo_once_server(a, a_listener, 20)
    local b_server = support.echo_once_server(b, b_listener, 20)
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
    -- off the shared poller must reach the loop that owns the socket.
    local deadline = a.clock() + support.LIMIT
    while (a_server.served < 20 or b_server.served < 20) and a.clock() < deadline do
      a.poll(0.01)
      b.poll(0.01)
    end
    assert.same({ a = 20, b = 20 }, { a = a_server.served, b = b_server.served })
    assert.is_true(a.start(support.LIMIT))
    assert.is_true(b.start(support.LIMIT))
  end))

  it("cannot change while threads wait", support.test(function(sock)
    local l = support.listener(sock)
    sock.newthread(function() l:accept() end)
    support.raises(function() poller_fd(sock, poller_fd(sock)) end, functions[kind_of(sock)], "wait")
    l:close()
    support.run(sock)
  end))

  it("raises on a descriptor that is not the poller's kind", support.test(function(sock)
    local kind = kind_of(sock)
    local fd_name = functions[kind]
    local t = assert(sock.tcp())
    local fd = tonumber(tostring(t):match("(%d+)>$"))
    support.raises(function() poller_fd(sock, fd) end, fd_name, kind)
    support.raises(function() poller_fd(sock, -1) end, fd_name, "descriptor")
    support.raises(function() poller_fd(sock, "x") end, fd_name, "#1")
    t:close()
  end))
end)

-- #posix_shell: each test starts a child Lua through env(1) and timeout(1).
describe("LSOCK_POLLER #loopback #posix_shell", function()
  -- A child Lua with LSOCK_POLLER set to `value`: what its loop says.
  local function child_with_poller(value)
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write([[
      local sock = require "sock"
      local fds = {}
      for _, kind in ipairs({ "epoll", "kqueue", "uring" }) do
        local fd, err = sock[kind .. "_fd"]()
        fds[#fds + 1] = kind .. "=" .. (fd and "fd" or err)
      end
      local slept = "not run"
      sock.newthread(function()
        local _, err = sock.sleep(0)
        slept = err or "ok"
      end)
      sock.start(5)
      print(table.concat(fds, " ") .. " sleep=" .. slept)
    ]])
    f:close()
    local out = assert(io.popen(("env LSOCK_POLLER=%s timeout 60 %s %s 2>&1"):format(value, LUA, script)))
    local text = out:read("*a")
    out:close()
    os.remove(script)
    return text
  end

  it("with a value it does not know fails every wait instead of picking one", function()
    local text = child_with_poller("ePoll")
    if text:match("kqueue=fd") then return end  -- the kqueue flavour has no choice to make
    assert.matches("epoll=Invalid argument", text, 1, true)
    assert.matches("sleep=Invalid argument", text, 1, true)
  end)

  it("=epoll runs the loop on epoll where the build has it", function()
    local text = child_with_poller("epoll")
    if text:match("kqueue=fd") then return end  -- the kqueue flavour has no choice to make
    assert.matches("epoll=fd", text, 1, true)
    assert.matches("uring=sock.uring_fd: the poller here is epoll, not io_uring", text, 1, true)
    assert.matches("sleep=ok", text, 1, true)
  end)
end)
