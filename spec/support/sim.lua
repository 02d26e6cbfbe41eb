-- The simulated backend of spec/support/net.lua: every net.run gets a fresh
-- world (require "netsim") with one host, "test", whose body runs as a
-- thread of the world; the peers of tools/peers run as threads on the same
-- host (spec/support/sim_peers.lua), reached over its loopback as on the
-- real kernel. Time is virtual: sleeps and timeouts cost no wall time.
--
-- LSOCK_SEED picks the world's seed (default 1). A failing run names its
-- seed, so `LSOCK_KERNEL=sim LSOCK_SEED=n busted ...` reruns it exactly;
-- add LSOCK_TRACE=1 (read by every netsim world) to watch it event by event
-- on stderr.

local netsim = require "netsim"
local peers = require "spec.support.sim_peers"

local M = {}

M.host = "127.0.0.1"
M.host6 = "::1"
M.seed = tonumber(os.getenv("LSOCK_SEED") or "1")

local current       -- { world, host, socket } of the net.run in progress
local paths = 0

local function with_seed(err, seed)
  local note = ("\n(simulated network, seed %d: rerun with LSOCK_KERNEL=sim LSOCK_SEED=%d)"):format(seed, seed)
  if type(err) == "table" and type(err.message) == "string" then
    err.message = err.message .. note
    return err
  end
  return tostring(err) .. note
end

function M.run(body, handler)
  local world = netsim.world { seed = M.seed }
  local host = world:host("test", { "10.0.0.1", "fd00::1" })
  local socket = host:socket()
  current = { world = world, host = host, socket = socket }
  local ok, err
  local finished = false
  host:spawn(function()
    -- The module's xpcall: 5.1's own neither passes arguments nor lets
    -- the body's waits yield across it (yield_safe in docs/design.md).
    ok, err = socket.xpcall(body, handler, socket)
    finished = true
  end)
  local ran, run_err = pcall(world.run, world)
  current = nil
  if not ran then return false, with_seed(run_err, M.seed) end
  if not finished then return false, with_seed("the test body never finished", M.seed) end
  if not ok then return false, with_seed(err, M.seed) end
  return true
end

local function in_run(what)
  if not current then error(what .. " needs a simulated world (inside net.run)", 3) end
  return current
end

function M.peer(name, opts)
  local run = in_run("net.peer")
  return peers.start(run.host, run.socket, name, opts)
end

function M.unix_path(name)
  local run = in_run("net.unix_path")
  paths = paths + 1
  local path = ("/tmp/lsock-sim-%d.%s"):format(paths, name)
  local host = run.host
  return path, function() host:unlink(path) end
end

-- The test host's `sock` module (one loop per host, so per test).
function M.sock()
  return in_run("net.sock").host:sock()
end

function M.open_descriptors()
  return in_run("net.open_descriptors").host:open_descriptors()
end

function M.max_descriptors()
  return nil
end

function M.sleep(seconds)
  in_run("net.sleep").socket.select(nil, nil, seconds)
end

function M.clock()
  return in_run("net.clock").world:now()
end

-- For specs about the simulation itself (faults, seeds): the world and host
-- of the net.run in progress.
function M.world()
  local run = in_run("net.world")
  return run.world, run.host
end

return M
