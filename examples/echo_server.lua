-- A line echo server on the `socket` module, one client at a time.
--
--   lua5.2 examples/echo_server.lua [port] [seconds] [clients]
--
-- Listens on 127.0.0.1 (port 0 = any free port, printed on the first line),
-- echoes every line a client sends, and stops by itself after `clients`
-- clients (default 1) or `seconds` of wall time (default 30), whichever
-- comes first.
local socket = require "socket"

local port = tonumber(arg[1]) or 0
local lifetime = tonumber(arg[2]) or 30
local clients = tonumber(arg[3]) or 1

local server = assert(socket.tcp())
assert(server:setopt(socket.OPT_TCP_REUSEADDR, true))
assert(server:bind("127.0.0.1", port))
assert(server:listen(16))
print("listening on " .. server:getsockname().port)
io.stdout:flush()

local started = os.time()
local served = 0
-- accept with a timeout, so a server nobody talks to still ends.
server:settimeout(1)
while served < clients and os.time() - started < lifetime do
  local client, err = server:accept()
  if client then
    served = served + 1
    client:settimeout(lifetime)
    local peer = client:getpeername()
    print(("client %d from %s:%d"):format(served, peer.ip, peer.port))
    -- readuntil keeps whatever follows a line buffered for the next one.
    for line in client:readuntil("\n") do
      local ok, werr = client:write(line .. "\n")
      if not ok then print("write failed: " .. werr) break end
    end
    client:close()
  elseif err ~= socket.ERROR_TIMEOUT then
    print("accept failed: " .. err)
  end
end
server:close()
print(("served %d client(s)"):format(served))
