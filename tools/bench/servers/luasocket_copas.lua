-- LuaSocket + copas: coroutines over LuaSocket's select.
--
--   lua5.2 luasocket_copas.lua echo LIFETIME FRAME
--
-- Reads exact FRAME-byte frames (see luasocket_blocking.lua for why). copas waits
-- in socket.select, which LuaSocket builds on fd_set: a descriptor past
-- FD_SETSIZE (1024) raises "descriptor too large for set size" and ends
-- the process. The harness reports that as the failure it is.
local copas = require "copas"
local socket = require "socket"

local lifetime, frame = assert(tonumber(arg[2])), tonumber(arg[3]) or 65536
local deadline = socket.gettime() + lifetime

local server = assert(socket.bind("127.0.0.1", 0, 1024))  -- sets SO_REUSEADDR
print("listening on " .. select(2, server:getsockname()))
io.stdout:flush()

copas.addserver(server, function(client)
  while true do
    local data = copas.receive(client, frame)
    if not data or not copas.send(client, data) then return end
  end
end)

while socket.gettime() < deadline do copas.step(1) end
