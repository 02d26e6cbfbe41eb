-- An echo server on the `sock` module: one thread per connection, all on
-- one epoll, so ten thousand idle or busy connections cost a coroutine and
-- a 2 KiB buffer each.
--
--   lua5.2 examples/sock_echo_server.lua [port] [seconds] [connections]
--
-- Listens on 127.0.0.1 (port 0 = any free port; the port is printed on the
-- first line) and echoes everything each client sends. Stops by itself once
-- `connections` clients (default: unlimited) have come and gone, or after
-- `seconds` (default 60), whichever is first; then prints what it served and
-- its peak memory (VmHWM) on stderr. Raise `ulimit -n` for many connections.
local sock = require "sock"

local port = tonumber(arg[1]) or 0
local seconds = tonumber(arg[2]) or 60
local connections = tonumber(arg[3])

local deadline = sock.clock() + seconds
local server = assert(sock.tcp())
assert(server:setopt("so_reuseaddr", true))
assert(server:listen(false, port))        -- false: 127.0.0.1
print(server:getsockname():port())
io.stdout:flush()

local accepted, served, open, most_open, errors = 0, 0, 0, 0, 0

local function serve(client)
  open = open + 1
  if open > most_open then most_open = open end
  local buf = sock.buffer(2048)
  while true do
    -- Every call carries the server's deadline: past it, the call closes
    -- the socket and returns nil, "timeout", so nothing outlives the server.
    local n, err = client:recv(buf, nil, deadline)
    if not n then
      if err ~= "closed" then errors = errors + 1 end
      break
    end
    if not client:send(buf, n, deadline) then
      errors = errors + 1
      break
    end
  end
  client:close()
  open = open - 1
  served = served + 1
end

sock.newthread(function()
  while not connections or accepted < connections do
    local client, err = server:accept(deadline)
    if not client then
      if err ~= "timeout" then io.stderr:write("accept: ", err, "\n") end
      break
    end
    accepted = accepted + 1
    sock.newthread(serve, client)
  end
  server:close()
end)

sock.start(seconds + 5)

local function peak_memory()
  local status = io.open("/proc/self/status")
  if not status then return "unknown" end
  for line in status:lines() do
    local kb = line:match("^VmHWM:%s*(%d+) kB")
    if kb then
      status:close()
      return ("%.1f MiB"):format(tonumber(kb) / 1024)
    end
  end
  status:close()
  return "unknown"
end

io.stderr:write(("served %d connections (%d at once at most, %d errors); peak RSS %s\n")
  :format(served, most_open, errors, peak_memory()))
