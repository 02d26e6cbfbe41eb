-- A line-protocol client: speaks a tiny "HELLO / WORDS n / BYE" protocol
-- with CRLF line endings to a server, using readuntil for the lines and
-- read for an exact-size payload.
--
--   lua5.2 examples/line_client.lua port
--
-- Run it against examples/line_server.lua (tools/run-example.sh does).
local socket = require "socket"

local port = assert(tonumber(arg[1]), "usage: line_client.lua port")
local c = assert(socket.tcp())
c:settimeout(5)
assert(c:connect("127.0.0.1", port))

local lines = c:readuntil("\r\n")
print("server says: " .. assert(lines()))

assert(c:write("WORDS 3\r\n"))
-- The reply: a header line "SIZE n", then exactly n bytes of payload.
local header = assert(lines())
local size = assert(tonumber(header:match("^SIZE (%d+)$")), "bad header " .. header)
local payload = assert(c:read(size))
print(("payload of %d bytes: %s"):format(size, payload))

assert(c:write("BYE\r\n"))
print("server says: " .. assert(lines()))
local rest, err = lines()
print("then: " .. tostring(rest) .. ", " .. tostring(err))
c:close()
