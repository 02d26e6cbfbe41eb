-- A small runner for the busted spec files, for the Lua that has no busted:
-- the cross-built lua.exe under wine (busted needs three C modules,
-- luafilesystem, lua-term and luasystem, that are not cross-built yet).
--
--   lua spec_runner.lua [--exclude-tags=a,b] [--tags=a,b] FILE...
--
-- It gives the spec files what they use of busted (describe, it, pending,
-- before_each, after_each, setup/teardown; luassert's `assert`, which is
-- pure Lua) and prints busted's summary line, which tools/test.sh's
-- busted_count reads:  N successes / M failures / E errors / P pending : S seconds
-- Tags are busted's: "#name" words in a describe or it description. A
-- failure is an error raised inside an `it` (luassert's or any other); an
-- error is one raised while loading a file or in a describe, before_each or
-- after_each block.

local exclude, only, files = {}, nil, {}
for _, a in ipairs(arg) do
  local list = a:match("^%-%-exclude%-tags=(.*)$")
  local wanted = a:match("^%-%-tags=(.*)$")
  if list then
    for t in list:gmatch("[^,]+") do exclude[t] = true end
  elseif wanted then
    only = {}
    for t in wanted:gmatch("[^,]+") do only[t] = true end
  else
    files[#files + 1] = a
  end
end

assert = require "luassert"  -- luacheck: ignore (busted's global)

local clock = os.clock
local ok_socket, socket_for_clock = pcall(require, "lsock.socket")
if ok_socket and socket_for_clock.gettime then clock = socket_for_clock.gettime end
local started = os.time()

local successes, failures, errors, pendings = 0, 0, 0, 0
local reports = {}

local function report(kind, name, message)
  reports[#reports + 1] = ("%s → %s\n%s"):format(kind, name, tostring(message))
end

local function tags_of(text, into)
  for t in text:gmatch("#([%w_%-]+)") do into[t] = true end
end

local function selected(names)
  local tags = {}
  for _, n in ipairs(names) do tags_of(n, tags) end
  for t in pairs(tags) do if exclude[t] then return false end end
  if only then
    for t in pairs(only) do if tags[t] then return true end end
    return false
  end
  return true
end

-- A block: its name, its hooks, its children (blocks and tests) in order.
local function new_block(name, parent)
  return { name = name, parent = parent, before = {}, after = {}, setup = {}, teardown = {}, children = {} }
end

local current

local function add_child(child) table.insert(current.children, child) end

function describe(name, body)  -- luacheck: ignore
  local block = new_block(name, current)
  add_child({ block = block })
  local outer = current
  current = block
  local ok, err = xpcall(body, debug.traceback)
  current = outer
  if not ok then block.load_error = err end
end
context = describe  -- luacheck: ignore

function it(name, body)  -- luacheck: ignore
  add_child({ test = name, body = body })
end

-- Outside a test, pending(name) declares a pending test; inside one (as
-- busted allows), it ends that test as pending.
local in_test = false
local PENDING = {}
function pending(name)  -- luacheck: ignore
  if in_test then error(PENDING, 0) end
  add_child({ test = name, pending = true })
end

function before_each(f) table.insert(current.before, f) end  -- luacheck: ignore
function after_each(f) table.insert(current.after, f) end  -- luacheck: ignore
function setup(f) table.insert(current.setup, f) end  -- luacheck: ignore
function teardown(f) table.insert(current.teardown, f) end  -- luacheck: ignore
lazy_setup, lazy_teardown, strict_setup, strict_teardown = setup, teardown, setup, teardown  -- luacheck: ignore

local function chain(block)
  local list = {}
  while block do table.insert(list, 1, block); block = block.parent end
  return list
end

local function names_of(block, test)
  local names = {}
  for _, b in ipairs(chain(block)) do if b.name then names[#names + 1] = b.name end end
  if test then names[#names + 1] = test end
  return names
end

local function run_hooks(list, field)
  for _, b in ipairs(list) do
    for _, f in ipairs(b[field]) do
      local ok, err = xpcall(f, debug.traceback)
      if not ok then return false, err end
    end
  end
  return true
end

local function run_block(block)
  local full = table.concat(names_of(block), " ")
  if block.load_error then
    errors = errors + 1
    report("Error", full, block.load_error)
    return
  end
  local ok, err = run_hooks({ block }, "setup")
  if not ok then
    errors = errors + 1
    report("Error", full .. " (setup)", err)
    return
  end
  for _, child in ipairs(block.children) do
    if child.block then
      run_block(child.block)
    else
      local names = names_of(block, child.test)
      local name = table.concat(names, " ")
      if selected(names) then
        if child.pending or not child.body then
          pendings = pendings + 1
        else
          local blocks = chain(block)
          local hooks_ok, hook_err = run_hooks(blocks, "before")
          if not hooks_ok then
            errors = errors + 1
            report("Error", name .. " (before_each)", hook_err)
          else
            in_test = true
            local test_ok, test_err = xpcall(child.body, function(e)
              if e == PENDING then return e end
              return debug.traceback(e, 2)
            end)
            in_test = false
            if test_err == PENDING then
              pendings = pendings + 1
            elseif test_ok then
              successes = successes + 1
            else
              failures = failures + 1
              report("Failure", name, test_err)
            end
          end
          local reversed = {}
          for i = #blocks, 1, -1 do reversed[#reversed + 1] = blocks[i] end
          local after_ok, after_err = run_hooks(reversed, "after")
          if not after_ok then
            errors = errors + 1
            report("Error", name .. " (after_each)", after_err)
          end
        end
      end
    end
  end
  local down_ok, down_err = run_hooks({ block }, "teardown")
  if not down_ok then
    errors = errors + 1
    report("Error", full .. " (teardown)", down_err)
  end
end

local t0 = clock()
for _, file in ipairs(files) do
  local before = { successes, failures, errors, pendings }
  local root = new_block(nil, nil)
  current = root
  local chunk, load_err = loadfile(file)
  if not chunk then
    errors = errors + 1
    report("Error", file, load_err)
  else
    local ok, err = xpcall(chunk, debug.traceback)
    if not ok then
      errors = errors + 1
      report("Error", file, err)
    else
      run_block(root)
    end
  end
  -- One line per file, so that what runs where can be listed (README).
  io.stdout:write(("file %s: %d passed, %d failed, %d errors, %d pending\n"):format(file,
    successes - before[1], failures - before[2], errors - before[3], pendings - before[4]))
  io.stdout:flush()
end

for _, r in ipairs(reports) do print(r) print() end
local seconds = clock() - t0
if seconds <= 0 then seconds = os.time() - started end
print(("%d success%s / %d failure%s / %d error%s / %d pending : %.6f seconds"):format(
  successes, successes == 1 and "" or "es", failures, failures == 1 and "" or "s",
  errors, errors == 1 and "" or "s", pendings, seconds))
os.exit((failures + errors == 0) and 0 or 1)
