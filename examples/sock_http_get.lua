-- An HTTP/1.1 GET client on the `sock` module.
--
--   lua5.2 examples/sock_http_get.lua http://HOST[:PORT]/PATH [seconds]
--
-- Writes the response body to stdout and the status line and headers to
-- stderr; exits with status 0 for a 2xx answer whose body arrived whole. Reads bodies framed by
-- Content-Length, by chunked transfer coding, or by the end of the
-- connection. The whole exchange must finish within `seconds` (default 10):
-- every socket call carries that deadline (`expires`).
local sock = require "sock"

local url = arg[1] or error("usage: sock_http_get.lua http://host[:port]/path [seconds]")
local seconds = tonumber(arg[2]) or 10

local host, port, path = url:match("^http://([^/:]+):?(%d*)(.*)$")
if not host then error("only http:// URLs: " .. url) end
port = tonumber(port) or 80
if path == "" then path = "/" end

-- Buffered reading on top of recv: lines, exact sizes, or everything.
local function reader(client, deadline)
  local buf = sock.buffer(16384)
  local pending = ""
  local r = {}
  local function fill()
    local n, err = client:recv(buf, nil, deadline)
    if not n then return nil, err end
    pending = pending .. buf:tostring(n)
    return true
  end
  function r.line()
    while true do
      local at = pending:find("\r\n", 1, true)
      if at then
        local line = pending:sub(1, at - 1)
        pending = pending:sub(at + 2)
        return line
      end
      local ok, err = fill()
      if not ok then return nil, err end
    end
  end
  function r.bytes(count)
    while #pending < count do
      local ok, err = fill()
      if not ok then return nil, err end
    end
    local data = pending:sub(1, count)
    pending = pending:sub(count + 1)
    return data
  end
  function r.some()
    if pending == "" then
      local ok, err = fill()
      if not ok then return nil, err end
    end
    local data = pending
    pending = ""
    return data
  end
  return r
end

-- The body as an iterator of pieces. sock.wrap lets the iterator's body do
-- socket I/O: each recv inside waits on the loop like any other.
local function body_pieces(r, headers)
  return sock.wrap(function()
    if (headers["transfer-encoding"] or ""):lower():find("chunked", 1, true) then
      while true do
        local size_line = assert(r.line())
        local size = tonumber(size_line:match("^%x+"), 16)
        assert(size, "bad chunk size: " .. size_line)
        if size == 0 then break end
        coroutine.yield(assert(r.bytes(size)))
        assert(r.line() == "", "chunk not followed by CRLF")
      end
      repeat local trailer = assert(r.line()) until trailer == ""  -- trailers end the body
    elseif headers["content-length"] then
      local left = assert(tonumber(headers["content-length"]), "bad Content-Length")
      while left > 0 do
        local piece = assert(r.some())
        if #piece > left then piece = piece:sub(1, left) end
        left = left - #piece
        coroutine.yield(piece)
      end
    else
      while true do
        local piece, err = r.some()
        if not piece then assert(err == "closed", err) break end
        coroutine.yield(piece)
      end
    end
  end)
end

local status, complete
sock.newthread(function()
  local deadline = sock.clock() + seconds
  local ai = assert(sock.addr(host, port, "tcp"))
  local client = assert(sock.tcp(ai:family()))
  assert(client:connect(ai, deadline))
  local request = table.concat({
    "GET " .. path .. " HTTP/1.1",
    "Host: " .. host .. (port ~= 80 and ":" .. port or ""),
    "User-Agent: lsock-sock-example",
    "Accept: */*",
    "Connection: close",
    "", "",
  }, "\r\n")
  assert(client:send(request, nil, deadline))
  local r = reader(client, deadline)
  local status_line = assert(r.line())
  status = tonumber(status_line:match("^HTTP/%d%.%d (%d%d%d)"))
  assert(status, "not an HTTP response: " .. status_line)
  io.stderr:write(status_line, "\n")
  local headers = {}
  while true do
    local line = assert(r.line())
    if line == "" then break end
    io.stderr:write(line, "\n")
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  for piece in body_pieces(r, headers) do io.write(piece) end
  client:close()
  complete = true
end)

sock.start(seconds + 1)
io.stdout:flush()
-- A 2xx status is not enough: the body must have arrived whole (a thread
-- that failed on the way is reported on stderr and leaves this unset).
os.exit(complete and status >= 200 and status < 300 and 0 or 1)
