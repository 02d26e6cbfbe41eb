-- Checks that every function of the Lua API is annotated for editors
-- (docs/meta/*.lua, LuaLS) and mentioned in the reference (docs/*.md).
--
--   LUA_PATH="build/?.lua;;" LUA_CPATH="build/?.so;;" lua5.2 tools/check_api_docs.lua [ROOT]
--
-- It loads the live modules and walks every function of the module tables
-- and every method of each object type (from the object's metatable), so a
-- binding added, renamed or moved is seen whatever file it lives in. A
-- member passes when
--   - docs/meta/<module>.lua defines it on the type's class (or a parent
--     class, `---@class child: parent`) after a `---` block with a line of
--     description, and
--   - the type's section of its docs page has a code span that starts with
--     it (`sock.tcp(`, `tcp:listen(`, or the bare name where the section is
--     the type's own, as `connect(host, port)` under "## tcpsock").
-- A function annotated on a class but missing from the live object fails
-- too (the annotations must not promise what is not there), and so does a
-- meta file that does not compile. Ends with
-- "check_api_docs: N passed, M failed"; exits 1 on a failure.

local root = (arg[1] or "."):gsub("/$", "")

local function read(path)
  local f, err = io.open(root .. "/" .. path)
  if not f then error("check_api_docs: " .. err, 0) end
  local text = f:read("*a")
  f:close()
  return text
end

-- The library's own module names first: a LuaSocket on the path must not
-- stand in for ours.
local function load_module(names)
  for _, name in ipairs(names) do
    local ok, module = pcall(require, name)
    if ok and type(module) == "table" then return module end
  end
  error("check_api_docs: cannot require any of " .. table.concat(names, ", "), 0)
end

local socket = load_module { "lsock.socket", "socket" }
local sock = load_module { "lsock.sock", "sock" }
local netsim = load_module { "lsock.netsim", "netsim" }

-- The methods of an object: its metatable's __index table, or the table
-- behind a function __index (the ai, whose `.addr` is a field).
local function methods_of_metatable(mt)
  if type(mt) ~= "table" then return nil end
  if type(mt.__index) == "table" then return mt.__index end
  if type(mt.methods) == "table" then return mt.methods end
end

local function methods_of(object)
  return object and methods_of_metatable(debug.getmetatable(object))
end

-- A raw socket needs privileges; without them its metatable is still
-- registered (under the binding's name for it).
local function raw_methods()
  local s = sock.raw()
  if s then
    local methods = methods_of(s)
    s:close()
    return methods
  end
  return methods_of_metatable(debug.getregistry()["lsock.sock.raw"])
end

local world = netsim.world {}
local ai = assert(sock.addr("127.0.0.1", 1, "tcp"))

-- Each type: its LuaLS class, where it is documented, how a mention starts,
-- and its members (name -> function).
local TYPES = {
  { class = "socket", meta = "socket", doc = "docs/socket.md", section = "Module",
    prefixes = { "socket." }, members = socket },
  { class = "socket.tcpsock", meta = "socket", doc = "docs/socket.md", section = "tcpsock",
    prefixes = { "", "s:" }, members = methods_of(socket.tcp()) },
  { class = "socket.udpsock", meta = "socket", doc = "docs/socket.md", section = "udpsock",
    prefixes = { "", "s:" }, members = methods_of(socket.udp()) },
  { class = "sock", meta = "sock", doc = "docs/sock.md", section = "Module functions",
    prefixes = { "sock." }, members = sock },
  { class = "sock.tcpsock", meta = "sock", doc = "docs/sock.md", section = "Sockets",
    prefixes = { "s:", "tcp:" }, members = methods_of(sock.tcp()) },
  { class = "sock.udpsock", meta = "sock", doc = "docs/sock.md", section = "Sockets",
    prefixes = { "s:", "udp:" }, members = methods_of(sock.udp()) },
  { class = "sock.rawsock", meta = "sock", doc = "docs/sock.md", section = "Sockets",
    prefixes = { "s:", "udp:", "raw:" }, members = raw_methods() },
  { class = "sock.ai", meta = "sock", doc = "docs/sock.md", section = "Addresses",
    prefixes = { "ai:" }, members = methods_of(ai) },
  { class = "sock.sa", meta = "sock", doc = "docs/sock.md", section = "Addresses",
    prefixes = { "sa:" }, members = methods_of(ai.addr) },
  { class = "sock.ip", meta = "sock", doc = "docs/sock.md", section = "Addresses",
    prefixes = { "ip:" }, members = methods_of(ai.addr:addr()) },
  { class = "sock.buffer", meta = "sock", doc = "docs/sock.md", section = "Buffers",
    prefixes = { "buf:" }, members = methods_of(sock.buffer(1)) },
  { class = "netsim", meta = "netsim", doc = "docs/netsim.md", section = "World",
    prefixes = { "netsim." }, members = netsim },
  { class = "netsim.world", meta = "netsim", doc = "docs/netsim.md", section = "World",
    prefixes = { "world:" }, members = methods_of(world) },
  { class = "netsim.host", meta = "netsim", doc = "docs/netsim.md", section = "Host",
    prefixes = { "host:" }, members = methods_of(world:host("h")) },
}

-- The annotations of one meta file: classes[class] = { parent = name,
-- functions = { name = { described = bool } } }.
local function parse_meta(text)
  local classes, locals = {}, {}
  local pending, block = nil, {}
  local function class(name)
    classes[name] = classes[name] or { functions = {} }
    return classes[name]
  end
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local name, parent = line:match("^%-%-%-@class%s+([%w_.]+)%s*:?%s*([%w_.]*)")
    if name then
      class(name).parent = parent ~= "" and parent or nil
      pending = name
    end
    local var = line:match("^local%s+([%w_]+)%s*=%s*{%s*}")
    if var and pending then
      locals[var] = pending
      pending = nil
    end
    local owner, fname = line:match("^function%s+([%w_]+)[.:]([%w_]+)%s*%(")
    if owner and locals[owner] then
      local described = false
      for _, comment in ipairs(block) do
        if not comment:match("^%-%-%-%s*@") and comment:match("^%-%-%-%s*%S") then described = true end
      end
      class(locals[owner]).functions[fname] = { described = described }
    end
    if line:match("^%-%-%-") then
      block[#block + 1] = line
    else
      block = {}
    end
  end
  return classes
end

-- The annotation of `name` on `class` or a parent class, and which class has it.
local function annotation(classes, class, name)
  local seen = {}
  while class and classes[class] and not seen[class] do
    seen[class] = true
    local entry = classes[class].functions[name]
    if entry then return entry, class end
    class = classes[class].parent
  end
end

-- The text of the section headed `title` (any level), up to the next
-- heading of the same or a higher level.
local function section(text, title)
  local lines, level, out = {}, nil, {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  for _, line in ipairs(lines) do
    local hashes, heading = line:match("^(#+)%s+(.-)%s*$")
    if hashes and level and #hashes <= level then break end
    if level then out[#out + 1] = line end
    if hashes and not level and heading == title then level = #hashes end
  end
  if not level then return nil end
  return table.concat(out, "\n")
end

-- Code spans may wrap across lines; fenced blocks are examples, not spans.
local function mentioned(text, prefixes, name)
  text = ("\n" .. text):gsub("\n```.-\n```", "\n")
  for span in text:gmatch("`([^`]+)`") do
    span = span:gsub("%s*\n%s*", " ")
    for _, prefix in ipairs(prefixes) do
      local start = prefix .. name
      if span:sub(1, #start) == start and not span:sub(#start + 1, #start + 1):match("[%w_]") then
        return true
      end
    end
  end
  return false
end

local passed, failed = 0, 0
local function fail(message)
  failed = failed + 1
  print("FAIL " .. message)
end

local metas, docs = {}, {}
for _, t in ipairs(TYPES) do
  if not metas[t.meta] then
    -- An editor reads the file as Lua: it must at least compile.
    local path = "docs/meta/" .. t.meta .. ".lua"
    local chunk, err = loadfile(root .. "/" .. path)
    if chunk then passed = passed + 1 else fail(path .. " does not compile: " .. err) end
    metas[t.meta] = parse_meta(read(path))
  end
  docs[t.doc] = docs[t.doc] or read(t.doc)
  local classes = metas[t.meta]
  local text = section(docs[t.doc], t.section)
  if not t.members then
    fail(("%s: could not reach its methods"):format(t.class))
  elseif not classes[t.class] then
    fail(("%s: no ---@class %s in docs/meta/%s.lua"):format(t.class, t.class, t.meta))
  elseif not text then
    fail(("%s: no section \"%s\" in %s"):format(t.class, t.section, t.doc))
  else
    local names = {}
    for name, value in pairs(t.members) do
      if type(value) == "function" then names[#names + 1] = name end
    end
    table.sort(names)
    for _, name in ipairs(names) do
      local entry = annotation(classes, t.class, name)
      local problems = {}
      if not entry then
        problems[#problems + 1] = ("no annotation in docs/meta/%s.lua"):format(t.meta)
      elseif not entry.described then
        problems[#problems + 1] = ("its annotation in docs/meta/%s.lua has no description line"):format(t.meta)
      end
      if not mentioned(text, t.prefixes, name) then
        problems[#problems + 1] = ("no mention in %s, section \"%s\" (as `%s%s`)"):format(t.doc, t.section,
          t.prefixes[#t.prefixes], name)
      end
      if #problems == 0 then
        passed = passed + 1
      else
        fail(("%s.%s: %s"):format(t.class, name, table.concat(problems, "; ")))
      end
    end
    -- What the class itself annotates must exist.
    for name in pairs(classes[t.class].functions) do
      if type(t.members[name]) ~= "function" then
        fail(("%s.%s: annotated in docs/meta/%s.lua but not in the module"):format(t.class, name, t.meta))
      end
    end
  end
end

print(("check_api_docs: %d passed, %d failed"):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
