-- luv: libuv's callbacks from Lua.
--
--   lua5.2 luv_callbacks.lua echo LIFETIME [FRAME]
--
-- Echoes each chunk libuv hands to the read callback.
local uv = require "luv"

local lifetime = assert(tonumber(arg[2]))

local server = uv.new_tcp()
assert(server:bind("127.0.0.1", 0))
assert(server:listen(4096, function(err)
  if err then return end
  local client = uv.new_tcp()
  if not server:accept(client) then return client:close() end
  client:read_start(function(read_err, data)
    if read_err or not data then return client:close() end
    client:write(data)
  end)
end))
print("listening on " .. server:getsockname().port)
io.stdout:flush()

local stop = uv.new_timer()
stop:start(math.floor(lifetime * 1000), 0, function() uv.stop() end)
uv.run()
