-- LuaSocket, blocking calls, one connection at a time: the peer of
-- ours_socket_blocking.lua.
--
--   lua5.2 luasocket_blocking.lua MODE LIFETIME FRAME    MODE = echo | lines
--
-- LuaSocket has no "whatever has arrived" read, so the echo reads exact
-- frames of FRAME bytes (the size the load generator writes): receive(n) is
-- the fastest way LuaSocket has to read them.
local socket = require "socket"

local mode, lifetime, frame = arg[1], assert(tonumber(arg[2])), tonumber(arg[3]) or 65536
local deadline = socket.gettime() + lifetime

local server = assert(socket.bind("127.0.0.1", 0, 128))  -- sets SO_REUSEADDR
print("listening on " .. select(2, server:getsockname()))
io.stdout:flush()

local function echo(client)
  while true do
    local data = client:receive(frame)
    if not data or not client:send(data) then return end
  end
end

local function count_lines(client)
  local lines, bytes = 0, 0
  while true do
    local line = client:receive("*l")  -- drops the CR as well as the LF
    if not line then break end
    lines, bytes = lines + 1, bytes + #line
  end
  client:send(lines .. " " .. bytes .. "\n")
end

local serve = mode == "lines" and count_lines or echo
server:settimeout(1)
while socket.gettime() < deadline do
  local client = server:accept()
  if client then
    client:settimeout(math.max(deadline - socket.gettime(), 1))
    serve(client)
    client:close()
  end
end
server:close()
