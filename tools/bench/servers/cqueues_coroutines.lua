-- cqueues: coroutines on epoll, with its own buffered sockets.
--
--   lua5.2 cqueues_coroutines.lua MODE LIFETIME [FRAME]    MODE = echo | lines
--
-- Echo reads "up to 64 KiB" (read(-65536)), the natural call; output is
-- unbuffered ("bn") so each write goes out at once, as an echo must.
local cqueues = require "cqueues"
local csocket = require "cqueues.socket"

local mode, lifetime = arg[1], assert(tonumber(arg[2]))
local deadline = cqueues.monotime() + lifetime

local server = csocket.listen{ host = "127.0.0.1", port = 0, reuseaddr = true, backlog = 4096 }
assert(server:listen())
print("listening on " .. select(3, server:localname()))
io.stdout:flush()

-- Return I/O errors (resets at the end of a row) instead of raising them.
local function quiet(_, _, why) return why end

local function echo(con)
  con:setmode("b", "bn")
  while true do
    local data = con:read(-65536)
    if not data or not con:write(data) then return end
  end
end

local function count_lines(con)
  con:setmode("t", "bn")  -- text mode: "*l" drops the CRLF
  local lines, bytes = 0, 0
  for line in con:lines("*l") do
    lines, bytes = lines + 1, bytes + #line
  end
  con:write(lines .. " " .. bytes .. "\n")
end

local serve = mode == "lines" and count_lines or echo
local loop = cqueues.new()
loop:wrap(function()
  for con in server:clients() do
    loop:wrap(function()
      con:onerror(quiet)
      serve(con)
      con:close()
    end)
  end
end)

while cqueues.monotime() < deadline do
  local ok, err = loop:step(1)
  if not ok then io.stderr:write(tostring(err), "\n") end
end
