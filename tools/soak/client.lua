-- The soak's client: keeps CONNECTIONS `socket` connections open to the
-- soak server (tools/soak/server.lua) and runs requests on them in random
-- order until the time is up: echoes of random sizes read back with
-- read, readany and readuntil (mixed within one answer), resets by the
-- server inside an answer, resets by the client inside a request, and
-- graceful closes; a closed connection is replaced, so CONNECTIONS stay
-- open. Every byte that comes back is compared with what was sent.
--
-- Every INTERVAL seconds it samples, at a quiet moment (no request in
-- flight, the server's count of live connections equal to ours), the
-- descriptor count and RSS of both processes. The first sample at or
-- after WARMUP seconds is the reference (before it, every connection's
-- buffers, the collector and the allocator are still settling); every
-- later one must stay within the bounds below ("flat").
--
--   lua5.2 tools/soak/client.lua PORT SERVER_PID SECONDS INTERVAL CONNECTIONS SEED WARMUP
-- Ends with "N passed, M failed" over its checks.
local socket = require "socket"

local port, server_pid, seconds, interval, connections, seed, warmup = tonumber(arg[1]), tonumber(arg[2]),
  tonumber(arg[3]), tonumber(arg[4]), tonumber(arg[5]), tonumber(arg[6]), tonumber(arg[7])
assert(port and server_pid and seconds and interval and connections and seed and warmup,
  "usage: client.lua PORT SERVER_PID SECONDS INTERVAL CONNECTIONS SEED WARMUP")
math.randomseed(seed)

-- Flat: after the reference sample, descriptors may differ by FD_SLACK at
-- most (at the quiet moment both sides hold exactly the same sockets), and
-- RSS may grow by RSS_SLACK_KIB plus RSS_SLACK_RATIO of the warm-up RSS (the
-- allocator's and the collector's own breathing room), never more.
local FD_SLACK = 4
local RSS_SLACK_KIB = 4096
local RSS_SLACK_RATIO = 0.10
local TIMEOUT = 20            -- no single call waits longer: a stall is an error, not a hang
local MAX_SIZE_LOG2 = 16      -- payloads of 1 byte .. 64 KiB, even on a log scale
local DELIMITERS = { "\n", "\r\n", "--soak-boundary--", "\0" }

local function now() return os.time() end
local start_time = now()

local stats = { exchanges = 0, bytes = 0, opened = 0, server_resets = 0, client_resets = 0, closes = 0 }
local errors = {}
local function error_of(message)
  errors[#errors + 1] = message
  io.stderr:write("soak client: ", message, "\n")
end

-- Random payload bytes: slices of one random megabyte, so that making a
-- payload costs a substring, not a loop.
local pool
do
  local parts = {}
  for i = 1, 4096 do
    local bytes = {}
    for j = 1, 256 do bytes[j] = math.random(0, 255) end
    parts[i] = string.char(table.unpack(bytes))
  end
  pool = table.concat(parts)
end

local function random_size()
  return math.min(math.floor(2 ^ (math.random() * MAX_SIZE_LOG2)), 2 ^ MAX_SIZE_LOG2)
end

-- n random bytes ending with the delimiter, with more delimiters inside
-- now and then.
local function payload(n, delimiter)
  if n <= #delimiter then return delimiter:sub(1, n) end -- too short for one: read/readany only
  local body = n - #delimiter
  local at = math.random(1, #pool - body + 1)
  local text = pool:sub(at, at + body - 1)
  local cuts = math.random(0, 4)
  for _ = 1, cuts do
    local where = math.random(1, #text)
    text = text:sub(1, where - 1) .. delimiter .. text:sub(where)
  end
  return text:sub(1, body) .. delimiter
end

local function header(kind, n, k)
  return string.format("%s %07d %07d\n", kind, n, k)
end

local function open()
  local c = assert(socket.tcp())
  c:settimeout(TIMEOUT)
  local ok, err = c:connect("127.0.0.1", port)
  if not ok then error_of("connect: " .. tostring(err)) return nil end
  stats.opened = stats.opened + 1
  return { c = c, lines = {} }
end

-- The iterator of one delimiter on one connection, made once (each call
-- of readuntil makes a new iterator; the buffered bytes are the socket's).
local function lines(conn, delimiter, inclusive)
  local key = delimiter .. (inclusive and "+" or "-")
  local it = conn.lines[key]
  if not it then
    it = conn.c:readuntil(delimiter, inclusive)
    conn.lines[key] = it
  end
  return it
end

-- Reads the n bytes of `data` in pieces of random kinds; returns the
-- bytes, or nil, err, what arrived. A readuntil is used where the rest of
-- the answer holds the delimiter (the first one ahead is where it must stop:
-- the delimiter may overlap itself and the random bytes around it).
local function read_answer(conn, data, delimiter)
  local n = #data
  local pieces, got = {}, 0
  while got < n do
    local left = n - got
    local how = math.random(1, 3)
    local ahead = data:find(delimiter, got + 1, true)
    local piece, err, partial
    if how == 1 or (how == 3 and not ahead) then
      piece, err, partial = conn.c:read(math.random(1, left))
    elseif how == 2 then
      piece, err, partial = conn.c:readany(math.random(1, math.min(left, 65536)))
    else
      local inclusive = math.random() < 0.5
      piece, err, partial = lines(conn, delimiter, inclusive)()
      if piece and not inclusive then piece = piece .. delimiter end
    end
    if not piece then
      if partial and partial ~= "" then pieces[#pieces + 1] = partial end
      return nil, err, table.concat(pieces)
    end
    pieces[#pieces + 1] = piece
    got = got + #piece
  end
  return table.concat(pieces)
end

local function close(conn, reset)
  if reset then conn.c:setopt("so_linger", 0) end
  conn.c:close()
end

local function is_reset(err)
  return err == socket.ERROR_CLOSED or err == "Connection reset by peer"
end

-- One request on a connection; false when the connection is gone after it.
local function exchange(conn)
  local roll = math.random()
  local n = random_size()
  local delimiter = DELIMITERS[math.random(#DELIMITERS)]
  local data = payload(n, delimiter)
  if roll < 0.04 then
    -- The server resets inside its answer: whatever arrives is a prefix.
    local k = math.random(0, n - 1)
    local ok, err = conn.c:write(header("R", n, k) .. data)
    if not ok then error_of("write (R): " .. tostring(err)) close(conn) return false end
    local answer, read_err, partial = conn.c:read(n)
    if answer then
      error_of(string.format("R %d %d: the whole answer arrived, past the reset", n, k))
    elseif not is_reset(read_err) then
      error_of("R: " .. tostring(read_err))
    elseif #partial > k or partial ~= data:sub(1, #partial) then
      error_of(string.format("R %d %d: %d bytes arrived that are not the first bytes sent", n, k, #partial))
    else
      stats.bytes = stats.bytes + #partial
    end
    stats.server_resets = stats.server_resets + 1
    close(conn)
    return false
  elseif roll < 0.08 then
    -- The client resets inside its request.
    local m = math.random(0, n - 1)
    local ok, err = conn.c:write(header("E", n, 0) .. data:sub(1, m))
    if not ok then error_of("write (reset): " .. tostring(err)) end
    stats.client_resets = stats.client_resets + 1
    close(conn, true)
    return false
  elseif roll < 0.10 then
    stats.closes = stats.closes + 1
    close(conn)
    return false
  end
  local ok, err = conn.c:write(header("E", n, 0) .. data)
  if not ok then error_of("write: " .. tostring(err)) close(conn) return false end
  local answer, read_err, partial = read_answer(conn, data, delimiter)
  if not answer then
    error_of(string.format("echo of %d bytes: %s after %d bytes", n, tostring(read_err), #partial))
    close(conn)
    return false
  end
  if answer ~= data then
    local at = 1
    while answer:byte(at) == data:byte(at) do at = at + 1 end
    error_of(string.format("echo of %d bytes: byte %d differs", n, at))
    close(conn)
    return false
  end
  stats.exchanges = stats.exchanges + 1
  stats.bytes = stats.bytes + n
  return true
end

-- Open descriptors of a process, by its PID (for ourselves too: a child
-- that read /proc/self would list its own). The popen pipe counts for us,
-- the same at every sample.
local function descriptors(pid)
  local p = io.popen("ls /proc/" .. pid .. "/fd | wc -l")
  local n = tonumber(p:read("*a"))
  p:close()
  return n
end

local function rss_kib(pid)
  local f = io.open("/proc/" .. pid .. "/status")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  return tonumber(text:match("VmRSS:%s*(%d+)"))
end

local my_pid
do
  local f = assert(io.open("/proc/self/stat"))
  my_pid = tonumber(f:read("*a"):match("^(%d+)"))
  f:close()
end

-- The control connection: the sampling barrier asks the server for its
-- counters on it.
local control = open()
assert(control, "no control connection")
local function server_counters()
  assert(control.c:write(header("S", 0, 0)))
  local line, err = lines(control, "\n")()
  if not line then error_of("stats: " .. tostring(err)) return nil end
  local counters = {}
  for key, value in line:gmatch("(%w+)=(%d+)") do counters[key] = tonumber(value) end
  return counters
end

local samples = {}
local function sample(label)
  -- The quiet moment: the server has seen every close (its live count is
  -- ours plus the control connection), or 10 s have passed.
  local counters
  local deadline = os.time() + 10
  repeat
    counters = server_counters()
    if not counters then return end
    if counters.live == connections + 1 then break end
    socket.select({}, {}, 0.05)
  until os.time() > deadline
  collectgarbage()
  local s = {
    label = label, at = now() - start_time,
    server_fds = descriptors(server_pid), server_rss = rss_kib(server_pid),
    client_fds = descriptors(my_pid), client_rss = rss_kib(my_pid),
    live = counters.live, server_errors = counters.errors, lua_kib = math.floor(collectgarbage("count")),
  }
  samples[#samples + 1] = s
  print(string.format("soak: %s%s: server fds %d rss %d KiB live %d; client fds %d rss %d KiB (Lua heap %d KiB); "
    .. "%d connections opened, %d echoes, %d bytes checked, %d server resets, %d client resets, %d closes, %d errors",
    label, s.at < warmup and " (warming up)" or "", s.server_fds, s.server_rss, s.live, s.client_fds, s.client_rss, s.lua_kib, stats.opened, stats.exchanges,
    stats.bytes, stats.server_resets, stats.client_resets, stats.closes, #errors + counters.errors))
  io.stdout:flush()
end

local pool_of = {}
for i = 1, connections do
  pool_of[i] = open()
  if not pool_of[i] then break end
end

local next_sample = start_time + interval
while #errors == 0 and now() - start_time < seconds do
  for _ = 1, 200 do
    local i = math.random(1, connections)
    local conn = pool_of[i]
    if not conn or not exchange(conn) then pool_of[i] = open() end
  end
  if now() >= next_sample then
    sample(string.format("%d s", now() - start_time))
    next_sample = next_sample + interval
  end
end
if #samples == 0 or samples[#samples].label ~= string.format("%d s", now() - start_time) then
  sample(string.format("%d s (end)", now() - start_time))
end

-- The checks.
local passed, failed = 0, 0
local function check(ok, what)
  if ok then passed = passed + 1; print("ok - " .. what) else failed = failed + 1; print("not ok - " .. what) end
end
local server_errors = samples[#samples] and samples[#samples].server_errors or -1
check(#errors == 0, string.format("no client error (%d)", #errors))
check(server_errors == 0, string.format("no server error (%d)", server_errors))
check(stats.exchanges > 0 and stats.server_resets > 0 and stats.client_resets > 0,
  "echoes, server resets and client resets all happened")
local reference
for i, s in ipairs(samples) do
  if s.at >= warmup then reference = i break end
end
check(reference and reference < #samples,
  string.format("a reference sample at %d s or later and one after it (%d samples)", warmup, #samples))
local warm = reference and samples[reference]
if warm then
  for i = reference + 1, #samples do
    local s = samples[i]
    check(math.abs(s.server_fds - warm.server_fds) <= FD_SLACK and math.abs(s.client_fds - warm.client_fds) <= FD_SLACK,
      string.format("%s: descriptors flat (server %d, at the reference %d; client %d, at the reference %d; slack %d)", s.label,
        s.server_fds, warm.server_fds, s.client_fds, warm.client_fds, FD_SLACK))
    local function bound(kib) return kib + RSS_SLACK_KIB + math.floor(kib * RSS_SLACK_RATIO) end
    check(s.server_rss <= bound(warm.server_rss) and s.client_rss <= bound(warm.client_rss),
      string.format("%s: RSS flat (server %d KiB, bound %d; client %d KiB, bound %d)", s.label,
        s.server_rss, bound(warm.server_rss), s.client_rss, bound(warm.client_rss)))
  end
end

-- Stop the server; the script waits for it by PID.
control.c:write(header("X", 0, 0))
for i = 1, connections do if pool_of[i] then pool_of[i].c:close() end end
control.c:close()
print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
