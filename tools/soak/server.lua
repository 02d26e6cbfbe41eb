-- The soak's server: a `sock` loop with a thread per connection, speaking
-- the soak protocol (tools/soak/README.md). Every request starts with an
-- 18-byte header "K NNNNNNN MMMMMMM\n":
--   E n 0   echo the n bytes that follow
--   R n k   read the n bytes that follow, echo the first k, then reset
--           the connection (so_linger 0 and close: an RST mid-stream)
--   S 0 0   answer one line of counters (the client's sampling barrier)
--   X 0 0   stop: close the listener, end the loop, exit
-- A connection that ends with the peer's FIN or RST between or inside
-- requests is expected (the client resets on purpose); anything else is an
-- error, counted and written to stderr. Never reads past the request it
-- is in, so a reset of the client is always met inside a known request.
--
--   lua5.2 tools/soak/server.lua PORT_FILE
-- writes the port it listens on (127.0.0.1, port 0: any) to PORT_FILE.
local sock = require "sock"

local port_file = assert(arg[1], "usage: server.lua PORT_FILE")
local HEADER = 18
local BUFFER = 4096

local counters = { live = 0, accepted = 0, echoed = 0, resets_sent = 0, resets_seen = 0, errors = 0 }

local function fail(message)
  counters.errors = counters.errors + 1
  io.stderr:write("soak server: ", message, "\n")
end

-- The peer ending the stream: its FIN ("closed") or its RST.
local function peer_ended(err)
  return err == "closed" or err == "connection_reset"
end

-- Exactly n bytes (n <= BUFFER... or more, in pieces), handed to each(piece)
-- as they arrive. Returns true, or nil and the error.
local function receive(client, buf, n, each)
  while n > 0 do
    local got, err = client:recv(buf, math.min(n, BUFFER))
    if not got then return nil, err end
    each(buf:tostring(got))
    n = n - got
  end
  return true
end

local function send_all(client, data)
  local sent, err = client:send(data)
  if not sent then return nil, err end
  if sent ~= #data then return nil, "short send: " .. sent .. " of " .. #data end
  return true
end

local listener

local function serve(client)
  local buf = sock.buffer(BUFFER)
  counters.live = counters.live + 1
  while true do
    local header = {}
    local ok, err = receive(client, buf, HEADER, function(piece) header[#header + 1] = piece end)
    if not ok then
      if not peer_ended(err) then fail("header: " .. tostring(err)) end
      if err == "connection_reset" then counters.resets_seen = counters.resets_seen + 1 end
      break
    end
    header = table.concat(header)
    local kind, n, k = header:match("^(%u) (%d%d%d%d%d%d%d) (%d%d%d%d%d%d%d)\n$")
    n, k = tonumber(n), tonumber(k)
    if kind == "E" then
      ok, err = receive(client, buf, n, function(piece)
        -- A client that resets inside its request may be gone already.
        local sent, send_err = send_all(client, piece)
        if not sent and not peer_ended(send_err) then fail("echo send: " .. tostring(send_err)) end
      end)
      if not ok then
        -- The client resets inside a request on purpose.
        if not peer_ended(err) then fail("echo receive: " .. tostring(err)) end
        if err == "connection_reset" then counters.resets_seen = counters.resets_seen + 1 end
        break
      end
      counters.echoed = counters.echoed + n
    elseif kind == "R" then
      local before = {}
      ok, err = receive(client, buf, n, function(piece) before[#before + 1] = piece end)
      if not ok then
        if not peer_ended(err) then fail("reset request receive: " .. tostring(err)) end
        break
      end
      local sent, send_err = send_all(client, table.concat(before):sub(1, k))
      if not sent and not peer_ended(send_err) then fail("reset request send: " .. tostring(send_err)) end
      assert(client:setopt("so_linger", 0))
      counters.resets_sent = counters.resets_sent + 1
      break
    elseif kind == "S" then
      local line = string.format("live=%d accepted=%d echoed=%d resets_sent=%d resets_seen=%d errors=%d\n",
        counters.live, counters.accepted, counters.echoed, counters.resets_sent, counters.resets_seen,
        counters.errors)
      local sent, send_err = send_all(client, line)
      if not sent then fail("stats send: " .. tostring(send_err)) break end
    elseif kind == "X" then
      listener:close()
      sock.stop()
      break
    else
      fail(string.format("bad header %q", header))
      break
    end
  end
  client:close()
  counters.live = counters.live - 1
end

sock.onerror(function(message)
  fail("thread raised: " .. message)
end)

listener = assert(sock.tcp())
assert(listener:setopt("so_reuseaddr", true))
assert(listener:listen(false, 0))
local file = assert(io.open(port_file .. ".tmp", "w"))
file:write(listener:getsockname():port(), "\n")
file:close()
assert(os.rename(port_file .. ".tmp", port_file))

sock.newthread(function()
  while true do
    local client, err = listener:accept()
    if not client then
      if err ~= "closed" then fail("accept: " .. tostring(err)) end
      break
    end
    counters.accepted = counters.accepted + 1
    sock.newthread(serve, client)
  end
end)

-- Bounded: the soak script gives the run's length plus a margin.
local limit = tonumber(os.getenv("LSOCK_SOAK_SERVER_LIMIT") or "7200")
local ok, why = sock.start(limit)
io.stdout:write(string.format("soak server: %s; accepted %d, echoed %d bytes, resets sent %d, seen %d, errors %d\n",
  ok and "stopped" or tostring(why), counters.accepted, counters.echoed, counters.resets_sent,
  counters.resets_seen, counters.errors))
os.exit((ok and counters.errors == 0) and 0 or 1)
