-- sock sockets on descriptor 0: a daemon started with standard input closed
-- gets socket 0, and reuses that number for every socket it opens after
-- closing the last. Each reuse is a new watch generation in the scheduler;
-- at the wrap of the 16-bit generation descriptor 0 once got the tag that
-- means "unwatched" (its events were dropped: the recv only went on at its
-- deadline, and the process crashed at exit on a dangling waiter).
-- Real kernel only: a child process with its standard input closed.

local net = require "spec.support.net"

-- 65,536 + 16 sockets on descriptor 0, each woken by one datagram.
local child = [[
local sock = require "sock"
local hold = assert(sock.udp())  -- takes descriptor 0 while tx is made
local tx = assert(sock.udp())
hold:close()
local buf = sock.buffer(16)
for i = 1, 65536 + 16 do
  local rx = assert(sock.udp())
  if not tostring(rx):match(": 0>$") then print("not on descriptor 0: " .. tostring(rx)) os.exit(1) end
  assert(rx:bind("127.0.0.1", 0))
  local addr = rx:getsockname()
  local got, err, waited
  sock.newthread(function()
    local start = sock.clock()
    got, err = rx:recv(buf, nil, start + 2)
    waited = sock.clock() - start
  end)
  sock.newthread(function() assert(tx:send("x", addr)) end)
  assert(sock.start(5))
  if not got then print("socket " .. i .. ": recv failed: " .. tostring(err)) os.exit(1) end
  -- The bug's recv went on only at its 2 s deadline. One of 65,552 rounds
  -- on a loaded machine (LuaJIT in CI) once took over 0.5 s; 1.5 s still
  -- tells a wake-up from the deadline.
  if waited > 1.5 then print(("socket %d: the datagram was seen after %.2f s"):format(i, waited)) os.exit(1) end
  rx:close()
end
tx:close()
print("ok")
]]

-- #posix_descriptors: a child with descriptor 0 closed, so that its first
-- socket gets number 0; Windows handles are neither small nor reused that way.
describe("sock sockets on descriptor 0 #loopback #posix_descriptors", function()

  it("get their events across the scheduler's generation wrap", function()
    local output, ok = net.lua_child(child, { stdin_closed = true })
    assert.equal("ok\n", output)
    assert.is_true(ok, "the child failed: " .. output)
  end)
end)
