-- The load side of tools/bench/echo_10k: opens CONNECTIONS connections to
-- an echo server at once (all of them open together), then has each do
-- ROUNDS round trips of a 64-byte message that names its connection and
-- round, and checks every byte that comes back.
--
--   lua5.2 tools/bench/echo_10k_client.lua PORT [CONNECTIONS] [ROUNDS] [SECONDS]
--
-- Prints one line: "ok connections=N rounds=R bytes=B connect=S echo=S", or
-- "failed ..." with the first errors, and exits 0 only with zero errors and
-- all bytes verified. Every call has a deadline (SECONDS, default 120).
local sock = require "sock"

local port = assert(tonumber(arg[1]), "usage: echo_10k_client.lua PORT [CONNECTIONS] [ROUNDS] [SECONDS]")
local connections = tonumber(arg[2]) or 10000
local rounds = tonumber(arg[3]) or 10
local seconds = tonumber(arg[4]) or 120
local deadline = sock.clock() + seconds
local MESSAGE_SIZE = 64

local errors = {}
local function fail(what)
  errors[#errors + 1] = what
end
sock.onerror(function(message) fail(message) end)

local function message(i, round)
  local head = ("conn %05d round %02d "):format(i, round)
  return head .. ("."):rep(MESSAGE_SIZE - #head - 1) .. "\n"
end

-- Phase 1: every connection is made and left open, so the server holds all
-- of them at once. Connects go out in batches: a burst of ten thousand SYNs
-- overflows the listen queue and costs a second per retransmit.
local sockets = {}
local started = sock.clock()
sock.newthread(function()
  for i = 1, connections do
    sock.newthread(function()
      local c = assert(sock.tcp())
      local ok, err = c:connect("127.0.0.1", port, deadline)
      if ok then sockets[i] = c else fail("connect " .. i .. ": " .. tostring(err)) end
    end)
    if i % 200 == 0 then sock.sleep(0.001) end
  end
end)
sock.start(seconds)
local connected = sock.clock()
local open = 0
for _ in pairs(sockets) do open = open + 1 end

-- Phase 2: the round trips, all connections at once.
local bytes = 0
for i, c in pairs(sockets) do
  sock.newthread(function()
    local buf = sock.buffer(MESSAGE_SIZE)
    for round = 1, rounds do
      local out = message(i, round)
      local ok, err = c:send(out, nil, deadline)
      if not ok then return fail(("send %d/%d: %s"):format(i, round, tostring(err))) end
      local got, size = {}, 0
      while size < MESSAGE_SIZE do
        local n, rerr = c:recv(buf, MESSAGE_SIZE - size, deadline)
        if not n then return fail(("recv %d/%d: %s"):format(i, round, tostring(rerr))) end
        got[#got + 1] = buf:tostring(n)
        size = size + n
      end
      if table.concat(got) ~= out then return fail(("corrupted echo on %d/%d"):format(i, round)) end
      bytes = bytes + size
    end
    c:close()
  end)
end
sock.start(seconds)
local finished = sock.clock()

local expected = connections * rounds * MESSAGE_SIZE
if #errors == 0 and open == connections and bytes == expected then
  print(("ok connections=%d rounds=%d bytes=%d connect=%.2fs echo=%.2fs")
    :format(open, rounds, bytes, connected - started, finished - connected))
  os.exit(0)
end
print(("failed connections=%d/%d bytes=%d/%d errors=%d"):format(open, connections, bytes, expected, #errors))
for k = 1, math.min(#errors, 5) do print("  " .. errors[k]) end
os.exit(1)
