-- Our `socket` module driven by socket.select: one process, every
-- connection non-blocking, the classic select loop.
--
--   lua5.2 ours_socket_select.lua echo LIFETIME [FRAME]
--
-- Output that a full send buffer refuses waits in `unsent`, and its
-- connection leaves the read set until it is flushed (back-pressure).
local socket = require "socket"

local lifetime = assert(tonumber(arg[2]))
local deadline = os.time() + lifetime

local server = assert(socket.tcp())
assert(server:setopt(socket.OPT_TCP_REUSEADDR, true))
assert(server:bind("127.0.0.1", 0))
assert(server:listen(4096))
server:settimeout(0)
print("listening on " .. server:getsockname().port)
io.stdout:flush()

-- A set kept as an array (what select takes) plus each member's position,
-- so that removal is a swap with the last element.
local function new_set() return { items = {}, where = {} } end
local function insert(set, s)
  local n = #set.items + 1
  set.items[n], set.where[s] = s, n
end
local function remove(set, s)
  local i, items = set.where[s], set.items
  if not i then return end
  local last = items[#items]
  items[i], set.where[last] = last, i
  items[#items], set.where[s] = nil, nil
end

local readers, writers, unsent = new_set(), new_set(), {}
insert(readers, server)

local function drop(client)
  remove(readers, client)
  remove(writers, client)
  unsent[client] = nil
  client:close()
end

-- Writes `data`; keeps what does not fit and waits for writability.
local function send(client, data)
  local ok, err, sent = client:write(data)
  if ok then return end
  if err ~= socket.ERROR_TIMEOUT then return drop(client) end
  unsent[client] = data:sub(sent + 1)
  remove(readers, client)
  insert(writers, client)
end

local function accept_all()
  while true do
    local client = server:accept()
    if not client then return end
    client:settimeout(0)
    insert(readers, client)
  end
end

local function on_readable(client)
  local data, err = client:readany(65536)
  if data then send(client, data)
  elseif err ~= socket.ERROR_TIMEOUT then drop(client) end
end

local function on_writable(client)
  local data = unsent[client]
  unsent[client] = nil
  remove(writers, client)
  insert(readers, client)
  send(client, data)
end

while os.time() < deadline do
  local readable, writable = socket.select(readers.items, writers.items, 1)
  for _, s in ipairs(writable or {}) do on_writable(s) end
  for _, s in ipairs(readable or {}) do
    if s == server then accept_all()
    elseif readers.where[s] then on_readable(s) end
  end
end
