-- The loopback backend of spec/support/net.lua: the real kernel, the
-- `socket` module from the build, and the Python peers of tools/peers
-- started as child processes. Traffic stays on 127.0.0.1 and ::1.

-- On Windows (the cross-built lua.exe under wine, tools/windows/test.sh)
-- there is no busted and so no luasystem or lfs: the clock, sleep and file
-- checks use what the C runtime and lsock give, descriptors are counted by
-- tools/windows/spec_sockets.c (the process's sockets: there is no /proc),
-- children run through cmd.exe, and the peers are started by the Linux side
-- (tools/windows/peer_broker.py).
local windows = package.config:sub(1, 1) == "\\"
local system = not windows and require "system"   -- luasystem, which busted itself uses
-- The interpreter running the specs: children load the same lsock.so.
local LUA = require "spec.support.interpreter"
local lfs = not windows and require "lfs"
local function on_windows_not_yet(what)
  error(what .. " is not available to specs under Windows yet (platform/windows/README.md)", 3)
end

local M = {}

M.host = "127.0.0.1"
M.host6 = "::1"

-- The repository root, from where this file lives, so that the peers are
-- found whatever the current directory.
local root = (debug.getinfo(1, "S").source:match("^@(.*)spec/support/loopback%.lua$") or "./")
if root == "" then root = "./" end

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- A Windows Lua's io.popen runs the line through `cmd.exe /c`, which has no
-- quoting a Lua chunk survives: the child's code goes through a file, and the
-- whole line is quoted once more, because cmd strips the outer quotes of a
-- line that starts with one. A closed stdin has no cmd form (NUL is an open
-- file), so a spec asking for one cannot run there.
local function windows_lua_child(code, opts)
  if opts and opts.stdin_closed then on_windows_not_yet("net.lua_child with stdin_closed") end
  local path = (os.getenv("TEMP") or ".") .. os.tmpname() .. "lua"
  local file = assert(io.open(path, "w"))
  file:write(code)
  file:close()
  local pipe = assert(io.popen(('""%s" "%s" 2>&1"'):format(arg and arg[-1] or "lua.exe", path), "r"))
  local output = pipe:read("*a")
  local ok = pipe:close()
  os.remove(path)
  return output, ok == true
end

local socket_module

local function load_socket()
  if not socket_module then
    local socket = require "socket"
    -- LuaSocket is also installed on many systems under the same name.
    if type(socket) ~= "table" or socket.ERROR_CLOSED == nil then
      error("require 'socket' did not load lsock (check LUA_PATH/LUA_CPATH: "
            .. "build/?.lua and build/?.so must come first)", 0)
    end
    socket_module = socket
  end
  return socket_module
end

function M.run(body, handler)
  return xpcall(body, handler, load_socket())
end

-- opts keys become --key=value (underscores as dashes), sorted so that the
-- command line is the same every run; true is a bare flag; an array repeats.
local function peer_words(opts)
  local keys = {}
  for k in pairs(opts) do keys[#keys + 1] = k end
  table.sort(keys)
  local args = {}
  for _, k in ipairs(keys) do
    local v = opts[k]
    local flag = "--" .. k:gsub("_", "-")
    if v == true then
      args[#args + 1] = flag
    elseif v ~= false then
      local values = type(v) == "table" and v or { v }
      for _, one in ipairs(values) do
        args[#args + 1] = flag .. "=" .. tostring(one)
      end
    end
  end
  return args
end

local function peer_args(opts)
  local words = peer_words(opts)
  for i, w in ipairs(words) do words[i] = shell_quote(w) end
  return table.concat(words, " ")
end

-- On Windows the peers run on the Linux side, started by
-- tools/windows/peer_broker.py, whose port is in LSOCK_PEER_BROKER: one
-- request line per connection, tab-separated words, one answer line.
local function ask_broker(words)
  local port = tonumber(os.getenv("LSOCK_PEER_BROKER") or "")
  if not port then on_windows_not_yet("net.peer (the Python peers; LSOCK_PEER_BROKER is not set)") end
  local socket = load_socket()
  local c = assert(socket.tcp("inet"))
  c:settimeout(30)
  assert(c:connect("127.0.0.1", port))
  assert(c:write(table.concat(words, "\t") .. "\n"))
  local line, err = c:readuntil("\n")()
  c:close()
  return line, err
end

local function broker_peer(name, opts)
  local words = { "start", name }
  for _, w in ipairs(peer_words(opts)) do words[#words + 1] = w end
  local line, err = ask_broker(words)
  local port, pid = (line or ""):match("^(%d+) (%d+)$")
  if not port then
    error("peer " .. name .. " did not start (broker): " .. tostring(line or err), 3)
  end
  local function stop() ask_broker({ "stop", pid }) end
  return opts.ipv6 and M.host6 or M.host, tonumber(port), stop
end

function M.peer(name, opts)
  if windows then return broker_peer(name, opts) end
  local script = root .. "tools/peers/" .. name .. ".py"
  assert(lfs.attributes(script, "mode") == "file", "no such peer: " .. script)
  local cmd = "exec python3 " .. shell_quote(script) .. " " .. peer_args(opts)
  local pipe = assert(io.popen(cmd, "r"))
  local line = pipe:read("*l")
  local port, pid = (line or ""):match("^(%d+) (%d+)$")
  if not port then
    pipe:close()
    error("peer " .. name .. " did not start (" .. cmd .. "): " .. tostring(line), 2)
  end
  local function stop()
    -- By PID, never by name; then reap the process through the pipe.
    os.execute("kill " .. pid .. " 2>/dev/null")
    pipe:close()
  end
  return opts.ipv6 and M.host6 or M.host, tonumber(port), stop
end

function M.unix_path(name)
  -- os.tmpname makes a file; a socket needs the path free, so take the name
  -- and append to it (the short /tmp prefix keeps it under sun_path's 108).
  local base = os.tmpname()
  os.remove(base)
  local path = base .. "." .. name
  return path, function() os.remove(path) end
end

function M.open_descriptors()
  if windows then return assert(require("spec_sockets").count()) end
  local n = 0
  for entry in lfs.dir("/proc/self/fd") do
    if entry ~= "." and entry ~= ".." then n = n + 1 end
  end
  return n
end

function M.max_descriptors()
  if windows then return nil end   -- no descriptor limit to speak of
  local pipe = io.popen("ulimit -n", "r")
  local out = pipe:read("*l")
  pipe:close()
  return tonumber(out)   -- nil for "unlimited"
end

function M.sleep(seconds)
  if windows then
    load_socket().select({}, nil, seconds)   -- a wait on nothing sleeps
    return
  end
  system.sleep(seconds)
end

function M.clock()
  -- The Windows C runtime's clock() counts wall time since the start.
  if windows then return os.clock() end
  return system.monotime()
end

-- The child finds modules where this process does, however busted was told.
function M.lua_child(code, opts)
  local prelude = ("package.path = %q; package.cpath = %q; ")
    :format(package.path, package.cpath)
  if windows then return windows_lua_child(prelude .. code, opts) end
  local stdin = opts and opts.stdin_closed and " 0<&-" or ""
  local pipe = assert(io.popen(LUA .. " -e " .. shell_quote(prelude .. code) .. " 2>&1" .. stdin, "r"))
  local output = pipe:read("*a")
  local ok = pipe:close()
  return output, ok == true
end

return M
