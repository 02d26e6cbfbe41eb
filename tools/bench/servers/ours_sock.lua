-- Our `sock` module: a coroutine per connection on epoll.
--
--   lua5.2 ours_sock.lua echo LIFETIME [FRAME]
--
-- Each connection has its own 16 KiB buffer: a buffer shared by all would
-- be overwritten by one coroutine while another waits to send from it.
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

local function echo(client)
  local buf = sock.buffer(16384)
  while true do
    local n = client:recv(buf, #buf)
    if not n or not client:send(buf, n) then break end
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
