-- The mock peers of tools/peers, as threads on a simulated host.
--
-- tools/peers/README.md is the contract: every payload, chunk, delay and way
-- of ending a connection here follows it, so a spec sees the same bytes on
-- both kernels. Differences: the peers run in virtual time, and the
-- --lifetime / --idle limits are not needed (a world ends when only its
-- peers are left waiting).

local M = {}

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

-- "@N" is N filler bytes; anything else is literal with backslash escapes.
local function payload(value, default)
  value = value == nil and default or value
  if value == nil then return "" end
  value = tostring(value)
  local n = value:match("^@(%d+)$")
  if n then
    n = tonumber(n)
    return (ALPHABET:rep(math.floor(n / #ALPHABET) + 1)):sub(1, n)
  end
  local escapes = { n = "\n", r = "\r", t = "\t", ["\\"] = "\\" }
  return (value:gsub("\\(x(%x%x))", function(_, hex) return string.char(tonumber(hex, 16)) end)
               :gsub("\\(.)", function(c) return escapes[c] or ("\\" .. c) end))
end
M.payload = payload

local function list(value)
  if value == nil then return {} end
  return type(value) == "table" and value or { value }
end

-- Virtual sleep: select on nothing until the timeout.
local function sleep(socket, seconds)
  if seconds and seconds > 0 then socket.select(nil, nil, seconds) end
end

local function send_all(c, data)
  if #data == 0 then return true end
  return c:write(data)
end

-- Reads and discards until the client's end of stream (or an error).
local function drain(c)
  while c:readany(65536) do end
end

local function finish(c, how)
  if how == "hold" then
    drain(c)
  else
    c:shutdown("w")
    drain(c)
  end
  c:close()
end

local handlers = {}

function handlers.echo(c)
  while true do
    local data = c:readany(65536)
    if not data then break end
    if not c:write(data) then break end
  end
  c:close()
end

function handlers.drip(c, opts, socket)
  sleep(socket, tonumber(opts.initial_delay) or 0)
  local data = payload(opts.payload, "@10")
  local chunk = tonumber(opts.chunk) or 1
  local delay = tonumber(opts.delay) or 0.1
  local first = true
  for i = 1, #data, chunk do
    if not first then sleep(socket, delay) end
    first = false
    if not c:write(data:sub(i, i + chunk - 1)) then c:close() return end
  end
  finish(c, opts.after or "fin")
end

function handlers.fin(c, opts, socket)
  sleep(socket, tonumber(opts.delay) or 0)
  send_all(c, payload(opts.payload, ""))
  if (opts.mode or "shutdown") == "close" then
    c:close()
  else
    finish(c, "fin")
  end
end

function handlers.rst(c, opts, socket)
  send_all(c, payload(opts.payload, ""))
  local want = tonumber(opts.read) or 0
  if want > 0 then c:read(want) end
  sleep(socket, tonumber(opts.delay) or 0)
  c:setopt("so_linger", 0)
  c:close()
end

function handlers.silent(c, opts, socket, held)
  -- Never reads, never writes: the connection is held (open, referenced)
  -- until the peer is stopped or the world ends.
  held[#held + 1] = c
end

function handlers.lines(c, opts, socket)
  local delim = payload(opts.delim, "\\n")
  local lines = list(opts.line)
  local stream_lines = {}
  for _ = 1, tonumber(opts["repeat"]) or 1 do
    for _, line in ipairs(lines) do stream_lines[#stream_lines + 1] = payload(line) end
  end
  local tail = payload(opts.tail, "")
  if opts.split then
    local delay = tonumber(opts.delay) or 0.02
    for _, line in ipairs(stream_lines) do
      if not send_all(c, line) then c:close() return end
      for i = 1, #delim do
        sleep(socket, delay)
        if not c:write(delim:sub(i, i)) then c:close() return end
      end
    end
    if #tail > 0 then
      sleep(socket, delay)
      send_all(c, tail)
    end
  else
    send_all(c, table.concat(stream_lines, delim) .. (#stream_lines > 0 and delim or "") .. tail)
  end
  finish(c, opts.after or "fin")
end

-- Starts peer `name` on `host` (a netsim host) with `socket` its module;
-- returns the address and port it listens on, and a stop function.
function M.start(host, socket, name, opts)
  local ip = opts.ipv6 and "::1" or "127.0.0.1"
  if name == "udp_echo" then
    local u = assert(socket.udp(opts.ipv6 and "inet6" or "inet"))
    assert(u:bind(ip, 0))
    host:spawn(function()
      while true do
        local data, from = u:recvfrom(65535)
        if not data then break end
        u:sendto(data, from[1], from[2])
      end
    end, { daemon = true })
    return ip, u:getsockname().port, function() u:close() end
  end
  local handler = handlers[name]
  if not handler then error("no such peer: " .. tostring(name), 3) end
  local held = {}
  local listener = assert(socket.tcp(opts.ipv6 and "inet6" or "inet"))
  assert(listener:setopt("tcp_reuseaddr", true))
  assert(listener:bind(ip, 0))
  assert(listener:listen(tonumber(opts.backlog) or 128))
  if not opts.no_accept then
    host:spawn(function()
      while true do
        local c = listener:accept()
        if not c then break end
        host:spawn(function() handler(c, opts, socket, held) end, { daemon = true })
      end
    end, { daemon = true })
  end
  local function stop()
    listener:close()
    for _, c in ipairs(held) do c:close() end
  end
  return ip, listener:getsockname().port, stop
end

return M
