-- Our `sock` module: a coroutine per connection on epoll.
--
--   lua5.2 ours_sock.lua echo LIFETIME [FRAME]
--
-- Each connection has its own buffer (one shared by all would be
-- overwritten by one coroutine while another waits to send from it). It
-- starts at 1 KiB, which small requests never fill, and becomes 64 KiB (what
-- the C server reads at once) after a read fills it, so a bulk transfer
-- moves 64 KiB per system call while 10,000 idle connections hold 10 MiB.
-- A read that fills the buffer also tells recv nothing about whether more
-- is waiting; one that does not lets the next recv wait without asking.
-- recv and send take no `expires`, like the other servers' reads and
-- writes: the lifetime bounds the whole loop (sock.start) instead.
local sock = require "sock"

local lifetime = assert(tonumber(arg[2]))
local deadline = sock.clock() + lifetime

local server = assert(sock.tcp())
assert(server:setopt("so_reuseaddr", true))
assert(server:listen(4096, "127.0.0.1", 0))
print("listening on " .. server:getsockname():port())
io.stdout:flush()

local SMALL, LARGE = 1024, 65536

local function echo(client)
  local buf, size = sock.buffer(SMALL), SMALL
  while true do
    local n = client:recv(buf, size)
    if not n or not client:send(buf, n) then break end
    if n == size and size < LARGE then
      buf, size = sock.buffer(LARGE), LARGE
    end
  end
  client:close()
end

sock.newthread(function()
  while true do
    local client = server:accept(deadline)
    if not client then return end
    sock.newthread(echo, client)
  end
end)
sock.start(lifetime)
