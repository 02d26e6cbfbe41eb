-- A line-based chat server on the `sock` module.
--
--   lua5.2 examples/sock_chat_server.lua [port] [seconds]
--
-- Listens on 127.0.0.1 (port 0 = any free port, printed on the first line).
-- Each client is greeted with "welcome <name>"; every line it sends goes to
-- all the others as "<name>: <line>"; "/nick <name>" renames it and "/quit"
-- leaves. Joins and leaves are announced. Stops by itself after `seconds`
-- (default 60), or when the last client leaves after at least one came.
--
-- Each client has an outbox: whoever adds to an idle outbox starts a thread
-- that drains it, so a slow client delays only its own messages, and two
-- messages are never written to one socket at the same time.
local sock = require "sock"

local port = tonumber(arg[1]) or 0
local seconds = tonumber(arg[2]) or 60
local deadline = sock.clock() + seconds

local server = assert(sock.tcp())
assert(server:setopt("so_reuseaddr", true))
assert(server:listen(false, port))
print(server:getsockname():port())
io.stdout:flush()

local clients = {}    -- client -> true
local count, ever = 0, 0

local function drain(client)
  while #client.outbox > 0 do
    local message = table.remove(client.outbox, 1)
    if not client.socket:send(message, nil, deadline) then
      client.outbox = {}
      client.socket:close()  -- its reader sees "closed" and says goodbye
    end
  end
  client.sending = false
end

local function deliver(client, message)
  client.outbox[#client.outbox + 1] = message
  if not client.sending then
    client.sending = true
    sock.newthread(drain, client)
  end
end

local function broadcast(from, text)
  for client in pairs(clients) do
    if client ~= from then deliver(client, text .. "\n") end
  end
end

-- Lines of a client, through sock.wrap: the iterator's recv waits on the loop.
local function lines(client)
  return sock.wrap(function()
    local buf = sock.buffer(1024)
    local pending = ""
    while true do
      local n = client.socket:recv(buf, nil, deadline)
      if not n then return end
      pending = pending .. buf:tostring(n)
      for line in pending:gmatch("([^\n]*)\n") do coroutine.yield((line:gsub("\r$", ""))) end
      pending = pending:match("[^\n]*$")
      if #pending > 4096 then return end  -- no line that long: drop the client
    end
  end)
end

local function serve(socket)
  ever = ever + 1
  local client = { socket = socket, name = "guest" .. ever, outbox = {}, sending = false }
  clients[client] = true
  count = count + 1
  deliver(client, "welcome " .. client.name .. "\n")
  broadcast(client, "* " .. client.name .. " joined")
  for line in lines(client) do
    local nick = line:match("^/nick%s+(%S+)")
    if line == "/quit" then
      break
    elseif nick then
      broadcast(client, "* " .. client.name .. " is now " .. nick)
      client.name = nick
    elseif line ~= "" then
      broadcast(client, client.name .. ": " .. line)
    end
  end
  clients[client] = nil
  count = count - 1
  broadcast(client, "* " .. client.name .. " left")
  -- Let its outbox drain before closing (bounded by the deadline).
  while client.sending do sock.sleep(0.01) end
  socket:close()
  if count == 0 then server:close() end  -- the last one out ends the server
end

sock.newthread(function()
  while true do
    local socket = server:accept(deadline)
    if not socket then break end
    sock.newthread(serve, socket)
  end
end)

sock.start(seconds + 5)
io.stderr:write(("chat: %d clients came\n"):format(ever))
