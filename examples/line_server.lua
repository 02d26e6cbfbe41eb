-- The server side of examples/line_client.lua: one client, then exit.
--
--   lua5.2 examples/line_server.lua [seconds]
local socket = require "socket"

local lifetime = tonumber(arg[1]) or 30
local server = assert(socket.tcp())
assert(server:bind("127.0.0.1", 0))
assert(server:listen(1))
print("listening on " .. server:getsockname().port)
io.stdout:flush()

server:settimeout(lifetime)
local c = assert(server:accept())
c:settimeout(lifetime)
assert(c:write("HELLO line-protocol example\r\n"))
for line in c:readuntil("\r\n") do
  local n = line:match("^WORDS (%d+)$")
  if n then
    local words = {}
    for i = 1, tonumber(n) do words[i] = ("word%d"):format(i) end
    local payload = table.concat(words, " ")
    assert(c:write(("SIZE %d\r\n%s"):format(#payload, payload)))
  elseif line == "BYE" then
    assert(c:write("BYE\r\n"))
    break
  end
end
c:close()
server:close()
