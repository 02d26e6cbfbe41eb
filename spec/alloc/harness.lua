-- The Lua half of the failing-allocation sweep (README.md): the steps, and
-- how one runs on a kernel. alloc_sweep (the C++ driver) gives each run a
-- fresh state on its failing allocator and a global `sweep` table:
--   sweep.arm()              the swept part of the step begins here
--   sweep.injected()         whether the failing allocation happened yet
--   sweep.simulated_left(n)  a world is collected with n descriptors open
--   sweep.tmp                an empty folder for unix socket paths
--   sweep.reported           what the step's sock threads raised (room for
--                            64 made in advance: recording allocates nothing)
--
-- A step is { name, body = function(t), only = nil | "loopback" | "sim" |
-- "netsim", bare = true (no module loaded for it) }. Its body does its
-- setup, calls t.arm(), then the calls it is about. `t` holds:
--   t.socket, t.sock    the modules of the kernel under test (on the sim
--                       kernel the body runs as a thread of a netsim host)
--   t.kernel            "loopback" or "sim"
--   t.host              "127.0.0.1": the loopback of either kernel
--   t.path(name)        a fresh unix socket path
--   t.check(v, ...)     returns v, ...; on a false v raises ... (the error
--                       a call returned), marked as fallout once the
--                       injected failure happened (a thread that died of it
--                       left others without an answer: that is no finding
--                       if the failure itself raised "not enough memory")
--   t.pcall(f, ...)     pcall for an expected failure; a memory error goes on up
--   t.new_sock()        another sock module with its own loop (loopback)
--   t.start([timeout[, sock]])  runs the loop of t.sock (or `sock`) until
--                       its threads are done, unless one already failed
--   t.report_errors(sock)  records the failures of a sock module's threads
--                       (done for t.sock and t.new_sock already)
-- "netsim" steps run outside any host (they build their own worlds).

local harness = {}

local FALLOUT = "alloc-sweep fallout: "

local steps, by_name = {}, {}
for _, file in ipairs { "calls_socket", "calls_sock", "calls_netsim" } do
  for _, step in ipairs(require(file)) do
    assert(not by_name[step.name], "two steps named " .. step.name)
    steps[#steps + 1] = step
    by_name[step.name] = step
  end
end

local function runs_on(step, kernel)
  if step.only == "netsim" then return kernel == "sim" end
  return step.only == nil or step.only == kernel
end

function harness.list(kernel)
  local names = {}
  for _, step in ipairs(steps) do
    if runs_on(step, kernel) then names[#names + 1] = step.name end
  end
  return names
end

-- Every world's __gc first counts the descriptors still open on its hosts:
-- all sockets (made after their world) have been finalized by then, so any
-- descriptor left is one no Lua object owns.
local function watch_worlds(netsim)
  local meta = debug.getregistry()["lsock.netsim.world"]
  if not meta then
    netsim.world {}  -- registers the metatable
    collectgarbage()
    collectgarbage()
    meta = debug.getregistry()["lsock.netsim.world"]
  end
  if meta.sweep_watched then return end
  local collect = meta.__gc
  local report = sweep.simulated_left
  local getuservalue, pairs, pcall = debug.getuservalue, pairs, pcall
  local function count(world)
    local left = 0
    local uservalue = getuservalue(world)  -- none: a memory error came before it was set
    for _, host in pairs(uservalue and uservalue.hosts or {}) do left = left + host:open_descriptors() end
    if left > 0 then report(left) end
  end
  meta.__gc = function(world)
    pcall(count, world)
    return collect(world)
  end
  meta.sweep_watched = true
end

-- netsim.world, remembering the worlds a step makes (for harness.after).
local function remembering_worlds(netsim, worlds)
  return setmetatable({
    world = function(...)
      local world = netsim.world(...)
      worlds[#worlds + 1] = world
      return world
    end,
  }, { __index = netsim })
end

-- A thread that fails stops the loop at once: its partner would otherwise
-- wait for an answer until its deadline.
local function report_thread_errors(sock)
  local reported = sweep.reported
  sock.onerror(function(message)
    reported[#reported + 1] = tostring(message)
    sock.stop()
  end)
end

local function new_t(kernel)
  local t = { kernel = kernel, host = "127.0.0.1", arm = sweep.arm }
  local made = 0
  function t.path(name)
    made = made + 1
    if kernel == "loopback" then
      local path = ("%s/%s-%d"):format(sweep.tmp, name, made)
      os.remove(path)
      return path
    end
    return ("/tmp/%s-%d"):format(name, made)
  end
  function t.check(v, ...)
    if v then return v, ... end
    local err = tostring((...))
    if sweep.injected() then error(FALLOUT .. err, 2) end
    error(err, 2)
  end
  -- pcall for a failure the step expects: a memory error is not that
  -- failure, so it goes on up (the driver must see it).
  function t.pcall(f, ...)
    local results = table.pack(pcall(f, ...))
    if not results[1] and tostring(results[2]):find("not enough memory", 1, true) then error(results[2], 0) end
    return table.unpack(results, 1, results.n)
  end
  function t.new_sock()
    assert(kernel == "loopback", "t.new_sock: loopback only")
    local sock = package.preload.sock()
    report_thread_errors(sock)
    return sock
  end
  -- sock.start(timeout) of `sock` (t.sock), unless a thread already failed:
  -- sock.start clears a stop() made before it, and its partners would wait.
  function t.start(timeout, sock)
    if sweep.reported[1] then return end
    t.check((sock or t.sock).start(timeout or 5))
  end
  t.report_errors = report_thread_errors
  return t
end

local current  -- the t of the run in progress, for harness.after

function harness.run(kernel, name)
  local step = assert(by_name[name], "no step named " .. name)
  local t = new_t(kernel)
  t.name = name
  current = t
  if step.bare then return step.body(t) end
  if step.only == "netsim" then
    local netsim = require "netsim"
    watch_worlds(netsim)
    t.worlds = {}
    t.netsim = remembering_worlds(netsim, t.worlds)
    return step.body(t)
  end
  if kernel == "loopback" then
    t.socket = require "socket"
    t.sock = require "sock"
    report_thread_errors(t.sock)
    return step.body(t)
  end
  local netsim = require "netsim"
  watch_worlds(netsim)
  local world = netsim.world { seed = 1 }
  local host = world:host("test", { "10.0.0.1", "fd00::1" })
  t.world, t.world_host = world, host
  host:spawn(function(socket, sock)
    t.socket, t.sock = socket, sock
    report_thread_errors(sock)
    step.body(t)
  end)
  world:run()
end

-- After the run, with nothing failing any more: the modules it used must
-- still work (a memory error must not leave a loop "running" or a world
-- stuck). Raises when they do not.
function harness.after()
  local t = current
  local step = by_name[t.name]
  local function use(socket, sock)
    local s = assert(socket.udp())
    assert(s:close())
    -- poll, not start: threads the step left waiting may wait on.
    local ran
    sock.newthread(function() sock.sleep(0) ran = true end)
    local deadline = sock.clock() + 1
    while not ran and sock.clock() < deadline do sock.poll(0.1) end
    assert(ran, "the sock loop does not run a new thread any more")
  end
  -- A world a netsim step made must run again (a memory error must not
  -- leave it "running"); what its own threads do then is no matter.
  for _, world in ipairs(t.worlds or {}) do
    local host = assert(world:host("after-check"))
    local ran
    host:spawn(function() ran = true end)
    local ok, err = pcall(world.run, world)
    assert(ok or not tostring(err):find("inside the world's own run", 1, true), err)
    assert(ran or not ok, "the world does not run a new thread")
  end
  if step.bare then
    -- A module whose loading failed loads again, whole.
    if t.kernel == "loopback" then
      use(require "socket", require "sock")
    else
      local world = require("netsim").world {}
      local host = world:host "after"
      local done
      host:spawn(function(socket, sock) use(socket, sock) done = true end)
      world:run()
      assert(done, "a new world does not run a thread")
    end
  elseif t.world then
    local done
    t.world_host:spawn(function(socket, sock)
      sock.onerror(function() end)  -- threads the step left may fail now: no matter
      use(socket, sock)
      done = true
    end)
    t.world:run()
    assert(done, "the world does not run a thread any more")
  elseif t.sock then
    t.sock.onerror(function() end)
    use(t.socket, t.sock)
  end
end

return harness
