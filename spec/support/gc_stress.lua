-- The aggressive-GC helper: busted --helper=spec/support/gc_stress.lua runs
-- every spec with the collector working all the time, so that a userdata
-- that C code still uses without holding it, or a finalizer that runs at
-- a moment nobody planned, shows up (under ASan, as a report). luv's CI
-- does the same.
--
-- LSOCK_GC_STRESS="pause=P,stepmul=M,every=N" (each part optional):
--   pause    collectgarbage("setpause", P): 0 starts the next cycle as soon
--            as one ends, so allocations inside C calls always pay a step
--   stepmul  collectgarbage("setstepmul", M): the size of those steps
--   every    a count hook makes a collector step every N VM instructions, so
--            finalizers run between any two instructions of Lua code: on
--            the main thread and in coroutines made by coroutine.create
--            and coroutine.wrap. Lua 5.2 keeps a hook function per thread,
--            so threads made in C (sock.newthread, host:spawn) inherit the
--            count but not the function: there the allocation-driven
--            steps of pause 0 do the work.
-- Defaults: the form tools/test.sh runs (pause=0,stepmul=200,every=100).
-- A higher stepmul is not bounded: the sim specs under ASan take 8.5 s
-- plain and 10 s in this form, but had not finished after 5 minutes with
-- stepmul 400 and took 13 minutes with 1000 (each step then runs whole
-- cycles over a heap that ASan's quarantine makes hundreds of MB).
local spec = os.getenv("LSOCK_GC_STRESS") or ""
local settings = { pause = 0, stepmul = 200, every = 100 }
for key, value in spec:gmatch("(%w+)=(%d+)") do
  assert(settings[key], "LSOCK_GC_STRESS: unknown setting " .. key .. " (pause, stepmul, every)")
  settings[key] = tonumber(value)
end

collectgarbage("restart")
collectgarbage("setpause", settings.pause)
collectgarbage("setstepmul", settings.stepmul)
if settings.every > 0 then
  local step, sethook = collectgarbage, debug.sethook
  local function hook() step("step", 0) end
  sethook(hook, "", settings.every)
  local create, wrap = coroutine.create, coroutine.wrap
  coroutine.create = function(f)
    local co = create(f)
    sethook(co, hook, "", settings.every)
    return co
  end
  coroutine.wrap = function(f)
    local co = create(f)
    sethook(co, hook, "", settings.every)
    return function(...)
      local results = table.pack(coroutine.resume(co, ...))
      if not results[1] then error(results[2], 0) end  -- as coroutine.wrap: the error as it is
      return table.unpack(results, 2, results.n)
    end
  end
end
io.stderr:write(string.format("gc_stress: pause %d, stepmul %d, a step every %d instructions\n",
  settings.pause, settings.stepmul, settings.every))
