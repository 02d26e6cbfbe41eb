-- The parity suite's runner: every scenario of spec/parity/scenarios.lua
-- once on loopback (the real kernel) and once on a simulated host, through
-- the two backends of spec/support (net.for_kernel), and the two records
-- compared value by value. See spec/parity/README.md.
--
--   lua5.2 spec/parity/run.lua [--verbose] [NAME_PATTERN]
--
-- (with LUA_PATH/LUA_CPATH pointing at the build first, as for busted).
-- Prints one line per scenario, the differences of those that differ, a
-- summary, and ends "N passed, M failed" (tools/test.sh's run_checks).
-- Exits non-zero on a failure.

local net = require "spec.support.net"
local context = require "spec.parity.context"
local record = require "spec.parity.record"
local departures = require "spec.parity.departures"
local scenarios = require "spec.parity.scenarios"

local verbose, pattern = false, nil
local child_name, child_kernel = nil, nil
local i = 1
while arg[i] do
  local a = arg[i]
  if a == "--verbose" or a == "-v" then
    verbose = true
  elseif a == "--child" then
    -- Internal: one scenario on one kernel, its record on stdout (how a
    -- scenario with `netns` runs its loopback half in a namespace).
    child_name, child_kernel = arg[i + 1], arg[i + 2]
    i = i + 2
  else
    pattern = a
  end
  i = i + 1
end

-- Runs scenario s on `kernel`; returns its record (an array of lines) or
-- nil, the error it raised.
local function run_on(kernel, s)
  local k = net.for_kernel(kernel)
  local lines
  local ok, err = pcall(k.run, function(socket)
    local rec = record.new()
    s.run(context.new(k, socket, rec))
    lines = rec.lines
  end)
  collectgarbage(); collectgarbage()
  if not ok then return nil, tostring(err) end
  return lines
end

local by_name = {}
for _, s in ipairs(scenarios) do
  assert(not by_name[s.name], "two scenarios named " .. s.name)
  by_name[s.name] = s
end

if child_name then
  local s = assert(by_name[child_name], "no scenario " .. tostring(child_name))
  local lines, err = run_on(child_kernel, s)
  if not lines then
    io.write("ERROR ", (err:gsub("\n", " ")), "\n")
    os.exit(1)
  end
  for _, l in ipairs(lines) do io.write(l, "\n") end
  os.exit(0)
end

-- The loopback half of a `netns` scenario: in a fresh network namespace
-- (unshare -n, which needs root) with its own lo and a veth pair whose far
-- end owns nothing, so that nothing reaches a real network.
local function run_in_netns(s)
  assert(not s.name:find("'", 1, true), "a netns scenario's name goes into a shell command: no ' in it")
  local root = debug.getinfo(1, "S").source:match("^@(.*)spec/parity/run%.lua$") or "./"
  if root == "" then root = "./" end
  local setup = "ip link set lo up && ip link add pv0 type veth peer name pv1 && "
    .. "ip addr add 10.0.0.1/24 dev pv0 && ip link set pv0 up && ip link set pv1 up"
  local lua = require "spec.support.interpreter"
  local cmd = ("cd %q && LUA_PATH=%q LUA_CPATH=%q unshare -n sh -c %q 2>&1"):format(
    root, package.path, package.cpath,
    setup .. " && exec " .. lua .. " spec/parity/run.lua --child '" .. s.name .. "' loopback")
  local pipe = assert(io.popen(cmd, "r"))
  local out = pipe:read("*a")
  local ok = pipe:close()
  local lines = {}
  for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  if not ok then return nil, "netns child failed: " .. out end
  return lines
end

local function can_netns()
  local pipe = io.popen("unshare -n true 2>/dev/null && echo yes", "r")
  local out = pipe:read("*a")
  pipe:close()
  return out:match("yes") ~= nil
end

local function first_difference(a, b)
  for n = 1, math.max(#a, #b) do
    if a[n] ~= b[n] then return n end
  end
end

local function show(label, lines)
  for _, l in ipairs(lines) do print("    " .. label .. " " .. l) end
end

local known = departures.load()
local count, matches, documented, skipped = 0, 0, 0, 0
local failures, used = {}, {}
local netns_ok = nil

for _, s in ipairs(scenarios) do
  if not pattern or s.name:find(pattern, 1, true) then
    count = count + 1
    if s.departure then used[s.departure] = true end
    local lb, lb_err, sim, sim_err
    local skip
    if s.netns then
      if netns_ok == nil then netns_ok = can_netns() end
      if netns_ok then
        lb, lb_err = run_in_netns(s)
      else
        skip = "needs a network namespace (unshare -n: root)"
      end
    else
      lb, lb_err = run_on("loopback", s)
    end
    if not skip then sim, sim_err = run_on("sim", s) end
    local verdict
    if skip then
      skipped = skipped + 1
      verdict = "ok - " .. s.name .. " # skip: " .. skip
    elseif not lb or not sim then
      verdict = "not ok - " .. s.name .. ": the scenario failed: "
        .. (lb_err and ("loopback: " .. lb_err .. " ") or "") .. (sim_err and ("sim: " .. sim_err) or "")
      failures[#failures + 1] = verdict
    else
      local at = first_difference(lb, sim)
      if s.departure then
        if not known[s.departure] then
          verdict = "not ok - " .. s.name .. ": departure '" .. s.departure
            .. "' is not an entry of platform/sim/README.md"
          failures[#failures + 1] = verdict
        elseif at then
          documented = documented + 1
          verdict = "ok - " .. s.name .. " # departure: " .. s.departure
        else
          verdict = "not ok - " .. s.name .. ": marked departure '" .. s.departure
            .. "' but both kernels now agree: remove the mark (and the README entry if it was the last)"
          failures[#failures + 1] = verdict
        end
      elseif at then
        verdict = ("not ok - %s: undocumented mismatch at line %d\n      loopback: %s\n      sim:      %s")
          :format(s.name, at, tostring(lb[at]), tostring(sim[at]))
        failures[#failures + 1] = verdict
      else
        matches = matches + 1
        verdict = "ok - " .. s.name
      end
    end
    print(verdict)
    if verbose and lb and sim then show("loopback", lb); show("sim     ", sim) end
    if s.departure and lb and sim and first_difference(lb, sim) then
      local at = first_difference(lb, sim)
      print(("departure %s (%s): loopback %s | sim %s"):format(s.departure, s.name,
        tostring(lb[at]), tostring(sim[at])))
    end
  end
end

-- An entry of the README that no scenario marks is not proven by the
-- suite; that is allowed (some departures cannot be seen on loopback in
-- bounded time), but it is said.
if not pattern then
  for name in pairs(known) do
    if not used[name] then print("note: README departure '" .. name .. "' is marked by no scenario") end
  end
end

print(("parity: %d scenarios, %d match, %d documented departures, %d undocumented mismatches or stale marks, %d skipped")
  :format(count, matches, documented, #failures, skipped))
for _, f in ipairs(failures) do print(f) end
print(("%d passed, %d failed"):format(matches + documented, #failures))
os.exit(#failures == 0 and 0 or 1)
