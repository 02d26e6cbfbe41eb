-- Our `socket` module, blocking calls, one connection at a time: the
-- server for the one-connection rows (bulk, ping-pong, lines).
--
--   lua5.2 ours_socket_blocking.lua MODE LIFETIME [FRAME]    MODE = echo | lines
--
-- Prints "listening on PORT" (127.0.0.1, a free port) and exits by itself
-- after LIFETIME seconds. FRAME is ignored: readany returns what is there.
local socket = require "socket"

local mode, lifetime = arg[1], assert(tonumber(arg[2]))
local deadline = os.time() + lifetime

local server = assert(socket.tcp())
assert(server:setopt(socket.OPT_TCP_REUSEADDR, true))
assert(server:bind("127.0.0.1", 0))
assert(server:listen(128))
print("listening on " .. server:getsockname().port)
io.stdout:flush()

local function echo(client)
  while true do
    local data = client:readany(65536)
    if not data or not client:write(data) then return end
  end
end

local function count_lines(client)
  local lines, bytes = 0, 0
  for line in client:readuntil("\r\n") do
    lines, bytes = lines + 1, bytes + #line
  end
  client:write(lines .. " " .. bytes .. "\n")
end

local serve = mode == "lines" and count_lines or echo
server:settimeout(1)  -- so that the lifetime is checked while nobody connects
while os.time() < deadline do
  local client = server:accept()
  if client then
    -- One timeout for the rest of the lifetime: no call waits past it.
    client:settimeout(math.max(deadline - os.time(), 1))
    serve(client)
    client:close()
  end
end
server:close()
