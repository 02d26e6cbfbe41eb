-- sock.raw: raw sockets need privileges (CAP_NET_RAW); without them the
-- constructor returns nil, "access_denied", code. Real kernel only: the
-- specs send ICMP on loopback and drop privileges in a child process.

local support = require "spec.lua.sock_support"
-- The interpreter running the specs: children load the same lsock.so.
local LUA = require "spec.support.interpreter"

-- An ICMP echo request (type 8) with our id and sequence, checksummed.
local function echo_request(id, seq, payload)
  local function checksum(s)
    local sum = 0
    for i = 1, #s - 1, 2 do sum = sum + s:byte(i) * 256 + s:byte(i + 1) end
    if #s % 2 == 1 then sum = sum + s:byte(#s) * 256 end
    while sum > 0xffff do sum = (sum % 0x10000) + math.floor(sum / 0x10000) end
    return 0xffff - sum
  end
  local function u16(n) return string.char(math.floor(n / 256) % 256, n % 256) end
  local body = u16(id) .. u16(seq) .. payload
  return "\8\0" .. u16(checksum("\8\0\0\0" .. body)) .. body
end

local function can_open_raw(sock)
  local s, err = sock.raw()
  if s then s:close() end
  return s ~= nil, err
end

describe("sock.raw #loopback", function()

  it("opens an ICMP socket and exchanges an echo with 127.0.0.1", support.test(function(sock)
    local ok, err = can_open_raw(sock)
    if not ok then
      pending("no CAP_NET_RAW here (" .. tostring(err) .. "): covered by the next spec")
      return
    end
    local s = assert(sock.raw())
    assert.equal("raw", s:type())
    assert.equal("inet", s:family())
    assert.equal("icmp", s:protocol())
    local id = 0x4c53
    local reply_from
    sock.newthread(function()
      assert.equal(#echo_request(id, 1, "lsock"), s:send(echo_request(id, 1, "lsock"), nil, "127.0.0.1", 0))
      local buf = sock.buffer(1500)
      local deadline = sock.clock() + 5
      while true do
        local n, sa = assert(s:recv(buf, nil, deadline))
        local packet = buf:tostring(n)
        local ihl = (packet:byte(1) % 16) * 4          -- raw IPv4 sockets get the IP header
        local icmp = packet:sub(ihl + 1)
        if icmp:byte(1) == 0 and icmp:byte(5) * 256 + icmp:byte(6) == id then
          assert.equal("lsock", icmp:sub(9))
          reply_from = sa
          break
        end
      end
      s:close()
    end)
    support.run(sock)
    assert.equal("127.0.0.1", reply_from:addr():tostring())
  end))

  it("without CAP_NET_RAW returns nil, \"access_denied\" and the OS code", function()
    local code = [[
      local sock = require "sock"
      local s, err, code = sock.raw()
      io.write(tostring(s), " ", tostring(err), " ", tostring(code))
    ]]
    local prelude = ("package.path = %q; package.cpath = %q; "):format(package.path, package.cpath)
    local quoted = "'" .. (prelude .. code):gsub("'", "'\\''") .. "'"
    -- capsh drops the capability for the child (we may be root, so dropping
    -- the uid alone is not enough); setpriv does the same where capsh is missing.
    local commands = {
      "capsh --drop=cap_net_raw -- -c \"exec " .. LUA .. " -e " .. quoted:gsub('"', '\\"') .. "\"",
      "setpriv --inh-caps=-net_raw --bounding-set=-net_raw " .. LUA .. " -e " .. quoted,
    }
    local output
    for _, command in ipairs(commands) do
      local pipe = io.popen(command .. " 2>/dev/null", "r")
      output = pipe:read("*a")
      pipe:close()
      if output:match("^nil ") then break end
    end
    if output == "" then
      pending("neither capsh nor setpriv could drop CAP_NET_RAW here")
      return
    end
    assert.equal("nil access_denied 1", output)
  end)
end)
