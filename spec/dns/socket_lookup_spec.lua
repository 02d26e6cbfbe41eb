-- Name lookups of `socket` against tools/peers/dns.py (see
-- sock_lookup_spec.lua for how the resolver is pointed at it): a lookup is
-- bounded by the socket's timeout, or getaddrinfo's own.
-- Names: slow* answers after 0.2 s (DNS_PEER_ARGS can change it), silent*
-- never, nx* NXDOMAIN.
local socket = require "socket"
local clock = require("sock").clock

describe("socket name lookup (DNS peer)", function()
  it("connect to a name the resolver never answers returns timeout within the socket's 0.5 s", function()
    local c = assert(socket.tcp())
    assert(c:settimeout(0.5))
    local start = clock()
    local ok, err = c:connect("silent.test", 80)
    local took = clock() - start
    assert.is_nil(ok)
    assert.are.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.49 and took < 0.6, ("took %.3f s"):format(took))
    c:close()
  end)

  it("connect by name reaches a listener at the address the resolver gave", function()
    local server = assert(socket.tcp())
    assert(server:bind("127.0.0.1", 0))
    assert(server:listen())
    local port = server:getsockname().port
    local c = assert(socket.tcp())
    assert(c:settimeout(5))
    assert(c:connect("slow.test", port))
    local accepted = assert(server:accept())
    accepted:close()
    c:close()
    server:close()
  end)

  it("getaddrinfo with a timeout returns timeout for a name the resolver never answers", function()
    local start = clock()
    local answers, err = socket.getaddrinfo("silent.test", "80", socket.AF_INET, socket.SOCK_STREAM, 0, 0, 0.3)
    local took = clock() - start
    assert.is_nil(answers)
    assert.are.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took >= 0.29 and took < 0.8, ("took %.3f s"):format(took))
  end)

  it("getaddrinfo with a timeout answers a name that answers in time", function()
    local answers = assert(socket.getaddrinfo("slow.test", "80", socket.AF_INET, socket.SOCK_STREAM, 0, 0, 5))
    assert.are.equal("127.0.0.1", answers[1].addr)
    assert.are.equal(80, answers[1].port)
  end)

  it("a name that does not exist (NXDOMAIN) is not a timeout", function()
    local c = assert(socket.tcp())
    assert(c:settimeout(2))
    local ok, err = c:connect("nx.test", 80)
    assert.is_nil(ok)
    assert.are.equal("Name or service not known", err)
    local answers, lookup_err = socket.getaddrinfo("nx.test", "80", nil, nil, nil, nil, 2)
    assert.is_nil(answers)
    assert.are.equal("Name or service not known", lookup_err)
  end)

  it("udp sendto a name the resolver never answers returns timeout within the socket's timeout", function()
    local u = assert(socket.udp())
    assert(u:settimeout(0.3))
    local start = clock()
    local ok, err = u:sendto("x", "silent.test", 9)
    local took = clock() - start
    assert.is_nil(ok)
    assert.are.equal(socket.ERROR_TIMEOUT, err)
    assert.is_true(took < 0.8, ("took %.3f s"):format(took))
    u:close()
  end)
end)
