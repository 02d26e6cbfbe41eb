-- What a scenario's run(t) gets: the kernel's modules and a few helpers,
-- the same on both kernels (all of it from spec/support, through the
-- net instance of that kernel).
--
--   t.socket                 the `socket` module
--   t.sock()                 a fresh `sock` module (its own loop)
--   t.rec(label, ...)        record what was seen (spec/parity/record.lua)
--   t.host, t.host6          "127.0.0.1", "::1"
--   t.unix_path(name)        a fresh unix socket path, removed at the end
--   t.fds()                  descriptors open now (after a full collection)
--   t.sleep(s)               wall seconds on loopback, virtual on sim
--   t.clock()                monotonic seconds of the same kind
--   t.pair([family])         a connected TCP pair (client, server), timeouts 5 s
--   t.closed_port()          a TCP port nothing listens on
--   t.raised(f)              f's raised error without its "file:line: ", or "no error"
--   t.sock_run(sock, limit)  sock.start(limit) that must finish

local helpers = require "spec.support.helpers"

local M = {}

function M.new(net, socket, rec)
  local t = { socket = socket, rec = rec, host = net.host, host6 = net.host6 }
  function t.sock() return net.sock() end
  function t.unix_path(name) return net.unix_path(name) end
  function t.fds()
    collectgarbage(); collectgarbage()
    return net.open_descriptors()
  end
  function t.sleep(s) return net.sleep(s) end
  function t.clock() return net.clock() end
  function t.pair(family) return helpers.tcp_pair(socket, family) end
  function t.closed_port() return helpers.closed_port(socket) end
  function t.raised(f, ...)
    local ok, err = pcall(f, ...)
    if ok then return "no error" end
    return (tostring(err):gsub("^[^\n]-:%d+: ", ""))
  end
  function t.sock_run(sock, limit)
    local ok, err = sock.start(limit or 10)
    assert(ok, "sock.start: " .. tostring(err) .. " (a thread still waits)")
  end
  return t
end

return M
