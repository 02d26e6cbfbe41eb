-- The one door between the busted specs and a network.
--
-- Every spec gets its `socket` module, its peers, its clock and its temp
-- paths from here, so that the very same spec files run over the real
-- kernel's loopback (spec/support/loopback.lua, Python peers from
-- tools/peers) and on the simulated network (spec/support/sim.lua, the same
-- peers as simulated hosts). Choose with LSOCK_KERNEL=loopback|sim.
--
--   it("echoes", net.test(function(socket)
--     local host, port = net.peer("echo")
--     ...
--   end))
--
-- A backend module returns a table with:
--   host, host6                      where the test's own servers bind
--   run(body, handler) -> ok, err     xpcall(body, handler, socket) in a test host
--   peer(name, opts) -> host, port, stop
--   unix_path(name) -> path, cleanup
--   open_descriptors() -> n          descriptors this test process holds
--   max_descriptors() -> n | nil     the descriptor limit, if known
--   sleep(seconds), clock() -> seconds (monotonic)
--   lua_child(code, opts) -> output, ok  (loopback only) runs code in a new Lua process

-- net.for_kernel(name) gives another instance of this API on the kernel
-- `name` ("loopback" or "sim"), beside the one LSOCK_KERNEL chose: the
-- parity suite (spec/parity) runs each scenario on both in one process.

-- Lua 5.1 cannot yield across its own pcall and xpcall, which specs use
-- around waits (in sock threads, on simulated hosts). A 5.1 program uses the
-- modules' own (socket.pcall, sock.pcall: docs/build.md), and on 5.1 the
-- specs do too, as the globals. Every other Lua keeps its own.
if _VERSION == "Lua 5.1" and not rawget(_G, "jit") then
  local socket = require "socket"
  pcall, xpcall = socket.pcall, socket.xpcall
end

local function for_kernel(kernel)
  local net = {}

  net.kernel = kernel

  local backend = require("spec.support." .. net.kernel)

  net.host = backend.host      -- "127.0.0.1"
  net.host6 = backend.host6    -- "::1"

  local scope = nil            -- cleanups of the net.run in progress

  -- Where a failure happened: the first frame that is neither C, luassert nor
  -- this support folder. Errors are caught here to stop peers and remove
  -- paths, and rethrown; without this busted would report this file's line.
  local function located(err)
    local level = 2
    while true do
      local info = debug.getinfo(level, "Sl")
      if not info then return err end
      local src = info.short_src or ""
      if info.what ~= "C" and not src:find("luassert", 1, true)
          and not src:find("spec/support/", 1, true) then
        local where = src .. ":" .. (info.currentline or 0) .. ": "
        if type(err) == "string" and not err:match("^[^\n]-:%d+: ") then
          return where .. err
        elseif type(err) == "table" and type(err.message) == "string"
            and not err.message:match("^[^\n]-:%d+: ") then
          err.message = where .. err.message
        end
        return err
      end
      level = level + 1
    end
  end

  -- Runs body(socket) with a `socket` module of this kernel. Peers started and
  -- paths made inside are cleaned up when it ends, also when it fails.
  function net.run(body)
    assert(scope == nil, "net.run does not nest")
    scope = {}
    -- A backend that raises (a module that does not load) must not leave
    -- the scope set, or every later test would say "does not nest".
    local ran, ok, err = pcall(backend.run, body, located)
    if not ran then ok, err = false, ok end
    local cleanups = scope
    scope = nil
    for i = #cleanups, 1, -1 do
      pcall(cleanups[i])
    end
    if not ok then error(err, 0) end
  end

  -- net.test(body) is a function for busted's `it`: it runs net.run(body).
  function net.test(body)
    return function() net.run(body) end
  end

  local function in_scope(what)
    if not scope then error(what .. " must be called inside net.run", 3) end
    return scope
  end

  -- Starts the mock peer `name` (see tools/peers/README.md) and returns the
  -- host and port it listens on. opts: option = value (true for a flag, an
  -- array for an option given several times), e.g.
  -- { payload = "hello", delay = 0.1, line = { "a", "b" }, ipv6 = true }.
  function net.peer(name, opts)
    local cleanups = in_scope("net.peer")
    local host, port, stop = backend.peer(name, opts or {})
    cleanups[#cleanups + 1] = stop
    return host, port
  end

  -- A fresh path for a unix socket, removed when the test ends.
  function net.unix_path(name)
    local cleanups = in_scope("net.unix_path")
    local path, cleanup = backend.unix_path(name or "sock")
    cleanups[#cleanups + 1] = cleanup
    return path
  end

  -- The `sock` module of this kernel for the net.run in progress, with a loop
  -- of its own: threads a failed test left waiting cannot stall the next one,
  -- and the loop and its sockets are closed when the test ends. A backend may
  -- provide sock() (the simulated one: the module bound to the test's host);
  -- on loopback it is a fresh instance of the built module.
  local function open_sock()
    if backend.sock then return backend.sock() end
    if net.kernel ~= "loopback" then
      error("the " .. net.kernel .. " kernel has no sock module (its backend needs a sock())", 3)
    end
    local path = assert(package.searchpath("lsock", package.cpath), "lsock.so is not on package.cpath")
    return assert(package.loadlib(path, "luaopen_lsock_sock"))()
  end

  -- Whether this kernel hands out a `sock` module (a backend without sock()
  -- does not yet: the sock specs are then pending).
  function net.has_sock()
    return backend.sock ~= nil or net.kernel == "loopback"
  end

  function net.sock()
    local cleanups = in_scope("net.sock")
    local sock = open_sock()
    cleanups[#cleanups + 1] = function()
      sock = nil
      -- Twice: finalizers run in the first cycle, their objects go in the next.
      collectgarbage()
      collectgarbage()
    end
    return sock
  end

  function net.open_descriptors() return backend.open_descriptors() end
  function net.max_descriptors() return backend.max_descriptors() end
  function net.sleep(seconds) return backend.sleep(seconds) end
  function net.clock() return backend.clock() end

  -- Seconds that f(...) took, followed by everything f returned.
  function net.timed(f, ...)
    local start = backend.clock()
    local results = table.pack(f(...))
    return backend.clock() - start, table.unpack(results, 1, results.n)
  end

  -- Runs Lua code in a separate process of this Lua (loopback only: for behaviour
  -- that could kill the process, like SIGPIPE). Returns its output and
  -- whether it exited with status 0. opts.stdin_closed: the child starts
  -- with descriptor 0 closed (as a daemon may).
  function net.lua_child(code, opts)
    if not backend.lua_child then
      error("net.lua_child needs the loopback kernel", 2)
    end
    return backend.lua_child(code, opts)
  end

  local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

  -- The peers' filler payload ("@N"): N bytes of A..Z repeated.
  function net.filler(n)
    return (ALPHABET:rep(math.floor(n / #ALPHABET) + 1)):sub(1, n)
  end

  return net
end

local net = for_kernel(os.getenv("LSOCK_KERNEL") or "loopback")
net.for_kernel = for_kernel

return net
