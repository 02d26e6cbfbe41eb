-- setopt / getopt: every OPT_ constant on TCP, the reuse option on UDP,
-- and unknown option names raising.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

local OPTIONS = { "OPT_TCP_NODELAY", "OPT_TCP_KEEPALIVE", "OPT_TCP_REUSEADDR" }

describe("tcp setopt and getopt", function()

  for _, name in ipairs(OPTIONS) do
    it(name .. " round-trips true and false on a connected socket", net.test(function(socket)
      local a, b = helpers.tcp_pair(socket)
      local opt = socket[name]
      assert.is_true(a:setopt(opt, true))
      assert.is_true(a:getopt(opt))
      assert.is_true(a:setopt(opt, false))
      assert.is_false(a:getopt(opt))
      assert.is_true(a:setopt(opt, true))
      assert.is_true(a:getopt(opt))
      a:close(); b:close()
    end))

    it(name .. " round-trips on a fresh tcp(\"inet\")", net.test(function(socket)
      local s = assert(socket.tcp("inet"))
      local opt = socket[name]
      assert.is_true(s:setopt(opt, true))
      assert.is_true(s:getopt(opt))
      assert.is_true(s:setopt(opt, false))
      assert.is_false(s:getopt(opt))
      s:close()
    end))
  end

  it("accepts the option names as plain strings", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    assert.is_true(s:setopt("tcp_nodelay", true))
    assert.is_true(s:getopt("tcp_nodelay"))
    s:close()
  end))

  it("OPT_TCP_REUSEADDR lets a new listener bind a port in TIME_WAIT", net.test(function(socket)
    local srv = assert(socket.tcp("inet"))
    assert.is_true(srv:setopt(socket.OPT_TCP_REUSEADDR, true))
    assert(srv:bind(net.host, 0))
    assert(srv:listen(4))
    local port = srv:getsockname()[2]
    local c = assert(socket.tcp())
    assert(c:connect(net.host, port))
    local conn = assert(srv:accept())
    conn:close()   -- the server side closes first: its port goes to TIME_WAIT
    c:settimeout(5)
    assert.is_nil(c:read(1))
    c:close()
    srv:close()
    local again = assert(socket.tcp("inet"))
    assert.is_true(again:setopt(socket.OPT_TCP_REUSEADDR, true))
    local ok, err = again:bind(net.host, port)
    assert.is_true(ok, err)
    again:close()
  end))

  it("raises for an unknown option in setopt", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    helpers.raises(function() s:setopt("so_bogus", true) end, "setopt", { "#1", "so_bogus", "opt" })
    s:close()
  end))

  it("raises for an unknown option in getopt", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    helpers.raises(function() s:getopt("so_bogus") end, "getopt", { "#1", "so_bogus", "opt" })
    s:close()
  end))

  it("raises for an option that is not a string", net.test(function(socket)
    local s = assert(socket.tcp("inet"))
    helpers.raises(function() s:setopt({}, true) end, "setopt", { "#1", "opt" })
    helpers.raises(function() s:getopt(nil) end, "getopt", { "#1", "opt" })
    s:close()
  end))
end)

describe("udp setopt and getopt", function()

  it("OPT_TCP_REUSEADDR round-trips on a udp socket", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    assert.is_true(u:setopt(socket.OPT_TCP_REUSEADDR, true))
    assert.is_true(u:getopt(socket.OPT_TCP_REUSEADDR))
    assert.is_true(u:setopt(socket.OPT_TCP_REUSEADDR, false))
    assert.is_false(u:getopt(socket.OPT_TCP_REUSEADDR))
    u:close()
  end))

  it("OPT_TCP_NODELAY on udp returns nil, err instead of raising", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    local ok, err = u:setopt(socket.OPT_TCP_NODELAY, true)
    assert.is_nil(ok)
    assert.is_string(err)
    u:close()
  end))

  it("raises for an unknown option", net.test(function(socket)
    local u = assert(socket.udp("inet"))
    helpers.raises(function() u:setopt("so_bogus", true) end, "setopt", { "#1", "so_bogus", "opt" })
    u:close()
  end))
end)
