-- The seeded random API driver: calls every function and method of the
-- `socket`, `sock` and `netsim` modules, and every metamethod of their
-- types, with odd arguments, inside and outside sock threads and simulated
-- hosts, with collections and world faults in between. Pure Lua must never
-- crash the process, so the only things it checks are that the process
-- survives, that ASan/UBSan say nothing, and that every call returns or
-- raises in bounded time (tools/fuzz/api_fuzz.sh runs it under a timeout,
-- in a network namespace of its own).
--
--   lua5.2 tools/fuzz/api_fuzz.lua [--calls N] [--seed S] [--module socket|sock|netsim|all] [--log FILE]
--
-- The list of what it calls is read from the live modules and from the
-- metatables of the objects they hand out: a new function or method is
-- fuzzed without editing this file. Runs are deterministic by seed; --log
-- writes each call before making it (unbuffered), so that a crash leaves
-- its reproducer as the last line.

local options = { calls = 10000, seed = 1, module = "all" }
do
  local i = 1
  while arg[i] do
    local name, value = arg[i]:match("^%-%-(%w+)$"), arg[i + 1]
    if not name or options[name] == nil and name ~= "log" or value == nil then
      io.stderr:write("usage: lua5.2 tools/fuzz/api_fuzz.lua [--calls N] [--seed S] [--module socket|sock|netsim|all] [--log FILE]\n")
      os.exit(2)
    end
    options[name] = tonumber(value) or value
    i = i + 2
  end
end

local socket, sock, netsim = require "socket", require "sock", require "netsim"
local modules = { socket = socket, sock = sock, netsim = netsim }
-- Only paths below this folder are ever given as unix socket paths.
local scratch = os.getenv("LSOCK_FUZZ_DIR") or "/tmp"

math.randomseed(options.seed)
local random = math.random
local function pick(list) return list[random(#list)] end

-- ---------------------------------------------------------------- values

local pool = {}             -- live objects handed out so far (userdata)
local POOL_SIZE = 48
local names_of = setmetatable({}, { __mode = "k" })  -- object -> "tcpsock#12"
local serial = 0

local function remember(value)
  if type(value) ~= "userdata" or names_of[value] then return end
  serial = serial + 1
  local mt = getmetatable(value)
  names_of[value] = ("%s#%d"):format(type(mt) == "table" and tostring(rawget(mt, "__name")) or "userdata", serial)
  -- A real-kernel socket must never block for good: short timeouts only.
  if type(mt) == "table" and type(mt.__index) == "table" and mt.__index.settimeout then
    pcall(mt.__index.settimeout, value, pick({ 0, 0, 0.001 }))
  end
  if #pool < POOL_SIZE then pool[#pool + 1] = value else pool[random(#pool)] = value end
end

local numbers = { 0, 1, -1, 2, 3, 7, 8, 80, 0.5, -0.5, 1e-9, 255, 256, 1024, 65535, 65536, 65617, 2 ^ 31 - 1, 2 ^ 31,
                  2 ^ 32, 2 ^ 53, -2 ^ 53, 2 ^ 63, -2 ^ 63, 1e300, -1e300, math.huge, -math.huge, 0 / 0 }
local strings = { "", "0", "1", "80", "65535", "65617", "-1", " 81", "0x51", "1e3", "127.0.0.1", "::1", "*",
                  "localhost", "0.0.0.0", "::", "127.0.0.1:80", "inet", "inet6", "unix", "tcp", "udp", "raw",
                  "r", "w", "rw", "x", "\n", "\r\n", "a\0b", "\0", "so_reuseaddr", "so_linger", "tcp_nodelay",
                  "passive|numerichost", "http", "no-such-service", "__gc", "__index", "10.0.0.1", "fd00::1",
                  "unix:" .. scratch .. "/s1", "unix:" .. scratch .. "/s2", "unix:", "unix:" .. ("p"):rep(200) }

local function random_bytes(n)
  local t = {}
  for i = 1, n do t[i] = string.char(random(0, 255)) end
  return table.concat(t)
end

local random_value
local function random_table(depth)
  local t = {}
  for i = 1, random(0, 4) do t[i] = random_value(depth + 1) end
  if random(4) == 1 then t[pick(strings)] = random_value(depth + 1) end
  return t
end

random_value = function(depth)
  depth = depth or 0
  local r = random(100)
  if r <= 8 then return nil
  elseif r <= 12 then return random(2) == 1
  elseif r <= 30 then return pick(numbers)
  elseif r <= 36 then return random(-70000, 70000)
  elseif r <= 52 then return pick(strings)
  elseif r <= 56 then return random_bytes(random(0, 64))
  elseif r <= 57 then return ("z"):rep(random(60000, 70000))
  elseif r <= 62 and depth < 2 then return random_table(depth)
  elseif r <= 64 then return function() return random_value(depth + 1) end
  elseif r <= 65 then return coroutine.create(function() end)
  elseif r <= 67 then return pick({ socket, sock, netsim })
  elseif #pool > 0 then return pick(pool)
  end
  return nil
end

-- ---------------------------------------------------------------- what to call

-- Every function of the modules, by name, read from the tables themselves.
local function module_functions(name)
  local out = {}
  for key, value in pairs(modules[name]) do
    if type(value) == "function" then out[#out + 1] = { name = name .. "." .. key, f = value } end
  end
  table.sort(out, function(a, b) return a.name < b.name end)  -- pairs order is not the seed's
  return out
end

-- Every method and metamethod of the types seen so far (by metatable).
local seen_types, type_functions = {}, {}
local function learn_type(value)
  local mt = type(value) == "userdata" and getmetatable(value)
  if type(mt) ~= "table" or seen_types[mt] then return end
  seen_types[mt] = true
  local type_name = tostring(rawget(mt, "__name"))
  local found = {}
  for key, f in pairs(mt) do
    if type(f) == "function" then found[#found + 1] = { name = type_name .. "." .. key, f = f } end
  end
  local methods = type(mt.__index) == "table" and mt.__index or rawget(mt, "methods")
  if type(methods) == "table" then
    for key, f in pairs(methods) do
      if type(f) == "function" then found[#found + 1] = { name = type_name .. ":" .. key, f = f, method = key } end
    end
  end
  table.sort(found, function(a, b) return a.name < b.name end)
  for _, entry in ipairs(found) do type_functions[#type_functions + 1] = entry end
end

-- ---------------------------------------------------------------- one call

local log = options.log and assert(io.open(options.log, "w"))
if log then log:setvbuf("no") end

local function show(v)
  local t = type(v)
  if t == "number" then
    if v ~= v then return "0/0" elseif v == math.huge then return "math.huge" elseif v == -math.huge then return "-math.huge" end
    return ("%.17g"):format(v)
  elseif t == "string" then
    return #v > 40 and ("(%q):rep-like string of %d bytes"):format(v:sub(1, 8), #v) or ("%q"):format(v):gsub("\n", "n")
  elseif t == "userdata" then return "<" .. (names_of[v] or "userdata") .. ">"
  elseif t == "table" then
    for name, m in pairs(modules) do if v == m then return name end end
    return "{...}"
  end
  return tostring(v)
end

-- Arguments that would make a call wait for ever by design (not a bug) are
-- bounded: select's and sock.start/poll's "no timeout", and buffer sizes
-- that would take gigabytes. NaN and the other odd values stay.
local function bound(name, args, n)
  if name:match("%.select$") then
    local t = args[3]
    if type(t) ~= "number" or t < 0 or t > 0.002 then args[3] = 0.001 end
    n = math.max(n, 3)
  elseif name:match("%.start$") or name:match("%.poll$") then
    local t = args[1]
    if type(t) ~= "number" or t < 0 or t > 0.002 then args[1] = 0.001 end
    n = math.max(n, 1)
  elseif name:match("%.buffer$") and type(args[1]) == "number" and args[1] > 2 ^ 20 then
    args[1] = 2 ^ 20
  end
  return args, n
end

local counts = { calls = 0, raised = 0 }

local function call(entry, args, n, where)
  args, n = bound(entry.name, args, n)
  counts.calls = counts.calls + 1
  if log then
    local shown = {}
    for i = 1, n do shown[i] = show(args[i]) end
    log:write(("#%d %s %s(%s)\n"):format(counts.calls, where, entry.name, table.concat(shown, ", ")))
  end
  local results = table.pack(pcall(entry.f, table.unpack(args, 1, n)))
  if not results[1] then counts.raised = counts.raised + 1 end
  for i = 2, results.n do
    remember(results[i])
    learn_type(results[i])
  end
  -- A settimeout just fuzzed must not leave the socket blocking.
  if entry.method == "settimeout" and type(args[1]) == "userdata" then pcall(entry.f, args[1], 0) end
end

local function random_call(functions, where)
  local r = random(100)
  local entry
  if r <= 45 or #type_functions == 0 then entry = pick(functions) else entry = pick(type_functions) end
  local n = random(0, 5)
  local args = {}
  for i = 1, n do args[i] = random_value() end
  -- Mostly a self of a type that has the method, sometimes any value.
  if entry.method or entry.name:match("%.__") then
    n = math.max(n, 1)
    if random(10) <= 8 and #pool > 0 then args[1] = pick(pool) end
  end
  call(entry, args, n, where)
end

-- ---------------------------------------------------------------- the run

local function make_objects()
  -- A few of each type, so that every metatable is known from the start.
  for _, v in ipairs({ socket.tcp(), socket.udp(), socket.tcp("inet6"), socket.udp("unix"), sock.tcp(), sock.udp(),
                       sock.buffer(16), sock.addr("127.0.0.1", 80, "tcp"), netsim.world { seed = options.seed } }) do
    remember(v)
    learn_type(v)
  end
  local ai = sock.addr("127.0.0.1", 80, "tcp")
  remember(ai.addr); learn_type(ai.addr)
  remember(ai.addr:addr()); learn_type(ai.addr:addr())
  local world = netsim.world { seed = options.seed + 1 }
  local host = world:host("h1")
  remember(world); remember(host); learn_type(host)
  for _, v in ipairs({ host:socket().tcp(), host:socket().udp(), host:sock().tcp() }) do remember(v); learn_type(v) end
  ai:free()
  remember(ai)
end

local function run_module(name)
  local functions = module_functions(name)
  local target = options.calls
  local started = counts.calls
  local world = netsim.world { seed = options.seed }
  local hosts = { world:host("a", { "10.0.0.1", "fd00::1" }), world:host("b", { "10.0.0.2", "fd00::2" }) }
  world:link(hosts[1], hosts[2], { latency = 0.001, loss = 0.1 })
  while counts.calls - started < target do
    local r = random(100)
    if r <= 70 then
      random_call(functions, "main")
    elseif r <= 80 then
      -- Inside a sock thread of the real kernel's loop.
      sock.newthread(function()
        for _ = 1, random(1, 5) do random_call(functions, "sock-thread") end
      end)
      pcall(sock.start, 0.001)
    elseif r <= 92 then
      -- Inside a simulated host, with that host's modules called too.
      local host = pick(hosts)
      local ok = pcall(host.spawn, host, function(host_socket, host_sock)
        local local_functions = {}
        for _, m in ipairs({ host_socket, host_sock }) do
          for key, f in pairs(m) do
            if type(f) == "function" then local_functions[#local_functions + 1] = { name = "host." .. key, f = f } end
          end
        end
        table.sort(local_functions, function(a, b) return a.name < b.name end)
        for _ = 1, random(1, 5) do
          random_call(random(2) == 1 and functions or local_functions, "sim-host")
        end
      end)
      if ok then pcall(world.run, world, world:now() + random() * 5) end
    elseif r <= 96 then
      -- A fault in the world.
      local a, b = hosts[1], hosts[2]
      local fault = pick({ "crash", "restart", "partition", "heal" })
      if fault == "crash" then pcall(b.crash, b)
      elseif fault == "restart" then pcall(b.restart, b)
      elseif fault == "partition" then pcall(world.partition, world, a, b)
      else pcall(world.heal, world) end
    else
      collectgarbage(pick({ "collect", "step", "step" }))
    end
  end
end

local started = os.clock()
sock.onerror(function() end)  -- failing fuzz threads are expected; their reports are noise
make_objects()
local names = options.module == "all" and { "socket", "sock", "netsim" } or { options.module }
for _, name in ipairs(names) do
  if not modules[name] then
    io.stderr:write("api_fuzz: no module " .. tostring(name) .. "\n")
    os.exit(2)
  end
  local before = counts.calls
  run_module(name)
  print(("api_fuzz: module %s, seed %d: %d calls"):format(name, options.seed, counts.calls - before))
end
pool = {}
collectgarbage()
collectgarbage()
print(("api_fuzz: seed %d: %d calls (%d raised) in %.1f s of CPU, %d functions and methods"):format(
  options.seed, counts.calls, counts.raised, os.clock() - started, #type_functions))
