-- Sends lines to the echo server and checks each echo.
--
--   lua5.2 examples/echo_client.lua port [lines]
local socket = require "socket"

local port = assert(tonumber(arg[1]), "usage: echo_client.lua port [lines]")
local count = tonumber(arg[2]) or 5

local client = assert(socket.tcp())
client:settimeout(5)  -- no call waits longer than this
assert(client:connect("127.0.0.1", port))

local replies = client:readuntil("\n")
for i = 1, count do
  local line = ("line %d of %d: %s"):format(i, count, ("x"):rep(i * 10))
  assert(client:write(line .. "\n"))
  local echo, err = replies()
  assert(echo == line, "bad echo: " .. tostring(echo or err))
  print("echoed: " .. echo:sub(1, 40))
end
client:close()
print(("all %d lines echoed"):format(count))
