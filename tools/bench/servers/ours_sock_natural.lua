-- Our `sock` module written the way docs/sock.md teaches it, not tuned for
-- the bench: one 64 KiB buffer shared by every connection, each request
-- copied out of it with buf:tostring(n) and sent back as a string.
--
--   lua5.2 ours_sock_natural.lua echo LIFETIME [FRAME]
--
-- Sharing the buffer is safe because nothing yields between recv filling
-- it and tostring copying it out. The poller is whatever the loop picks
-- (LSOCK_POLLER: the harness runs it once on each).
local sock = require "sock"

local lifetime = assert(tonumber(arg[2]))
local deadline = sock.clock() + lifetime

local server = assert(sock.tcp())
assert(server:setopt("so_reuseaddr", true))
assert(server:listen(4096, "127.0.0.1", 0))
print("listening on " .. server:getsockname():port())
io.stdout:flush()

local buf = sock.buffer(65536)

local function echo(client)
  while true do
    local n = client:recv(buf)
    if not n or not client:send(buf:tostring(n)) then break end
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
