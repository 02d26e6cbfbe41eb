-- The live view of a simulated run (docs/netsim.md, "Watching a run"):
-- netsim.world{trace = ...} and LSOCK_TRACE show each trace line as it is
-- recorded. Tagged #netsim: these run once, in the sim run.
local netsim = require "netsim"
-- The interpreter running the specs: children load the same lsock.so.
local LUA = require "spec.support.interpreter"

-- A client on `a` sends "ping" to an echo server on `b` over a lossy link.
-- `during` (if given) is called inside the client thread right after its
-- connect, while the run is still going.
local function ping_world(options, during)
  local world = netsim.world(options)
  local a = world:host("a", { "10.0.0.1" })
  local b = world:host("b", { "10.0.0.2" })
  world:link(a, b, { latency = 0.01, loss = 0.2 })
  b:spawn(function(socket)
    local srv = assert(socket.tcp())
    assert(srv:bind("*", 7000))
    assert(srv:listen(4))
    local c = assert(srv:accept())
    c:write(c:read(4))
    c:close()
  end, { daemon = true })
  a:spawn(function(socket)
    local c = assert(socket.tcp())
    assert(c:connect("10.0.0.2", 7000))
    if during then during() end
    assert(c:write("ping"))
    assert(c:read(4) == "ping")
    c:close()
  end)
  return world
end

local function lines_of(text)
  local lines = {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines
end

-- Runs a Lua chunk in a child Lua (the interpreter running the specs) with LSOCK_TRACE set to `trace` (nil:
-- unset, whatever this process has) and returns its stdout and its stderr.
local function run_child(trace, chunk)
  local env = trace and ("env LSOCK_TRACE=" .. trace) or "env -u LSOCK_TRACE"
  local script, err_file = os.tmpname(), os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(chunk)
  f:close()
  local out = assert(io.popen(("%s timeout 60 %s %s 2>%s"):format(env, LUA, script, err_file)))
  local stdout = out:read("*a")
  out:close()
  f = assert(io.open(err_file))
  local stderr = f:read("*a")
  f:close()
  os.remove(script)
  os.remove(err_file)
  return stdout, stderr
end

-- The child: a small run whose whole trace it prints to stdout afterwards.
local CHILD = [[
local netsim = require "netsim"
local world = netsim.world(%s)
local a, b = world:host("a", { "10.0.0.1" }), world:host("b", { "10.0.0.2" })
b:spawn(function(socket)
  local srv = assert(socket.tcp()); assert(srv:bind("*", 80)); assert(srv:listen(1))
  local c = assert(srv:accept()); c:write(c:read(2)); c:close()
end)
a:spawn(function(socket)
  local c = assert(socket.tcp()); assert(c:connect("10.0.0.2", 80))
  assert(c:write("hi")); assert(c:read(2) == "hi"); c:close()
end)
world:run()
io.write(world:trace())
]]

describe("netsim live trace #netsim", function()
  describe("trace = function", function()
    it("gets every line of world:trace(), in order, one call per line", function()
      local seen = {}
      local world = ping_world { seed = 3, trace = function(line) seen[#seen + 1] = line end }
      world:run()
      assert.is_true(#seen > 20)
      assert.same(lines_of(world:trace()), seen)
    end)

    it("gets the lines while the run goes on, not after it", function()
      local seen = {}
      local seen_at_connect
      local world = ping_world({ seed = 3, trace = function(line) seen[#seen + 1] = line end }, function()
        seen_at_connect = #seen
      end)
      world:run()
      -- Inside the client thread, right after connect returned, the lines of
      -- the handshake had already arrived ...
      assert.is_true(seen_at_connect > 0)
      local so_far = table.concat(seen, "\n", 1, seen_at_connect)
      assert.matches("tcp%-connect a 10%.0%.0%.1:%d+>10%.0%.0%.2:7000", so_far)
      assert.matches("tcp%-established a", so_far)
      -- ... and the exchange that followed had not happened yet.
      assert.not_matches(" len=4", so_far)
      assert.is_true(#seen > seen_at_connect)
    end)

    it("gets the lines recorded before the run at the start of the run", function()
      local seen = {}
      local world = netsim.world { trace = function(line) seen[#seen + 1] = line end }
      world:host("a", { "10.0.0.1" })
      world:note("before the run")
      assert.same({}, seen)
      world:run()
      assert.equal(2, #seen)
      assert.matches("^0%.000000000 host%-add a 10%.0%.0%.1$", seen[1])
      assert.matches("^0%.000000000 note lua before the run$", seen[2])
    end)

    it("does not change the run: the same seed gives the same trace hash", function()
      local quiet = ping_world { seed = 9 }
      quiet:run()
      local watched = ping_world { seed = 9, trace = function() end }
      watched:run()
      assert.equal(quiet:trace_hash(), watched:trace_hash())
      assert.equal(quiet:now(), watched:now())
    end)

    it("an error in it ends the run with that error, the seed and a traceback", function()
      local calls, failed_at = 0, nil
      local world = ping_world { seed = 5, trace = function(line)
        calls = calls + 1
        if line:find("tcp-established", 1, true) then
          failed_at = calls
          error("trace saw the handshake")
        end
      end }
      local ok, err = pcall(world.run, world)
      assert.is_false(ok)
      assert.matches("seed 5", err)
      assert.matches("the trace function failed", err)
      assert.matches("trace saw the handshake", err)
      assert.matches("stack traceback", err)
      -- The failing call was the last one: nothing is delivered after it.
      assert.is_number(failed_at)
      assert.equal(failed_at, calls)
    end)

    it("a line that the function itself causes waits for the next delivery", function()
      local seen, noted = {}, false
      local world
      world = netsim.world { trace = function(line)
        seen[#seen + 1] = line
        if not noted then
          noted = true
          world:note("from the trace function")
        end
      end }
      world:note("first")
      world:run()
      assert.same({ "0.000000000 note lua first", "0.000000000 note lua from the trace function" }, seen)
    end)
  end)

  -- #posix_shell: each test starts a child Lua through env(1), timeout(1)
  -- and a POSIX redirection, which a Windows Lua's io.popen (cmd.exe) has not.
  describe("trace = true and LSOCK_TRACE #posix_shell", function()
    it("trace = true writes each line to stderr, the same lines world:trace() keeps", function()
      local stdout, stderr = run_child(nil, CHILD:format("{ trace = true }"))
      assert.is_true(#lines_of(stdout) > 10)
      assert.equal(stdout, stderr)
    end)

    it("LSOCK_TRACE=1 turns it on for a world that does not say", function()
      local stdout, stderr = run_child("1", CHILD:format("{}"))
      assert.is_true(#lines_of(stdout) > 10)
      assert.equal(stdout, stderr)
    end)

    it("without either, and with trace = false or LSOCK_TRACE=0, nothing is written", function()
      local _, quiet = run_child(nil, CHILD:format("{}"))
      assert.equal("", quiet)
      local _, off = run_child("1", CHILD:format("{ trace = false }"))
      assert.equal("", off)
      local _, zero = run_child("0", CHILD:format("{}"))
      assert.equal("", zero)
    end)
  end)

  it("a trace option that is not true, false or a function is a raised error", function()
    local ok, err = pcall(netsim.world, { trace = "stderr" })
    assert.is_false(ok)
    assert.equal("netsim.world: trace must be true, false or a function, got string", err)
  end)
end)
