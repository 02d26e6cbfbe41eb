-- The sock examples in examples/ run as they would for a user: child
-- processes on the real kernel (Python's http.server as the web server),
-- each bounded in time and ended by its PID.

local net = require "spec.support.net"
local support = require "spec.lua.sock_support"
-- The interpreter running the specs: children load the same lsock.so.
local LUA = require "spec.support.interpreter"

local root = (debug.getinfo(1, "S").source:match("^@(.*)spec/lua/sock_examples_spec%.lua$") or "./")
if root == "" then root = "./" end

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function lua_command(script, ...)
  local args = {}
  for i, a in ipairs({ ... }) do args[i] = quote(a) end
  return ("env LUA_PATH=%s LUA_CPATH=%s %s %s %s"):format(quote(package.path), quote(package.cpath), LUA,
    quote(root .. script), table.concat(args, " "))
end

-- Starts `command` in the background; returns its first output line, its
-- PID, the pipe, and the file its stderr goes to.
local function start(command)
  local err_file = os.tmpname()
  local pipe = assert(io.popen(("sh -c 'echo $$; exec %s' 2>%s"):format(command:gsub("'", "'\\''"), err_file), "r"))
  local pid = assert(tonumber(pipe:read("*l")), "no PID")
  local first = pipe:read("*l")
  return first, pid, pipe, err_file
end

local function stop(pid, pipe, err_file)
  os.execute("kill " .. pid .. " 2>/dev/null")
  pipe:close()
  local f = io.open(err_file)
  local err = f and f:read("*a") or ""
  if f then f:close() end
  os.remove(err_file)
  return err
end

local function wait_exit(pipe)
  -- The pipe ends when the child exits (each example stops by itself).
  return pipe:read("*a")
end

-- #posix_shell: the example servers are started through sh -c.
describe("examples #loopback #posix_shell", function()

  it("sock_echo_server.lua echoes and stops after its connections", support.test(function(sock)
    local port, pid, pipe, err_file = start(lua_command("examples/sock_echo_server.lua", 0, 20, 3))
    port = assert(tonumber(port), "no port from the server")
    local replies = {}
    for i = 1, 3 do
      sock.newthread(function()
        local c = assert(sock.tcp())
        assert(c:connect(net.host, port, sock.clock() + 10))
        assert(c:send("echo " .. i))
        assert(c:shutdown("w"))
        replies[i] = support.read_all(sock, c, nil, sock.clock() + 10)
        c:close()
      end)
    end
    support.run(sock)
    wait_exit(pipe)
    local err = stop(pid, pipe, err_file)
    assert.same({ "echo 1", "echo 2", "echo 3" }, replies)
    assert.matches("served 3 connections %(%d+ at once at most, 0 errors%)", err)
  end))

  -- #yield_in_for: the server reads `for line in lines(client)` over a
  -- sock.wrap iterator that waits, which Lua 5.1 cannot yield from.
  it("sock_chat_server.lua relays lines between clients and stops when they leave #yield_in_for", support.test(function(sock)
    local port, pid, pipe, err_file = start(lua_command("examples/sock_chat_server.lua", 0, 20))
    port = assert(tonumber(port))
    local deadline = sock.clock() + 10
    local function line_reader(c)
      local buf, pending = sock.buffer(256), ""
      return function()
        while not pending:find("\n") do
          local n = assert(c:recv(buf, nil, deadline))
          pending = pending .. buf:tostring(n)
        end
        local line, rest = pending:match("^(.-)\n(.*)$")
        pending = rest
        return line
      end
    end
    local heard = {}
    sock.newthread(function()
      local a = assert(sock.tcp())
      assert(a:connect(net.host, port, deadline))
      local read_a = line_reader(a)
      assert.equal("welcome guest1", read_a())
      local b = assert(sock.tcp())
      assert(b:connect(net.host, port, deadline))
      local read_b = line_reader(b)
      assert.equal("welcome guest2", read_b())
      assert.equal("* guest2 joined", read_a())
      assert(b:send("/nick bob\nhello there\n"))
      heard[#heard + 1] = read_a()
      heard[#heard + 1] = read_a()
      assert(a:send("hi bob\n/quit\n"))
      heard[#heard + 1] = read_b()
      heard[#heard + 1] = read_b()
      assert(b:send("/quit\n"))
      a:close()
      b:close()
    end)
    support.run(sock)
    wait_exit(pipe)
    local err = stop(pid, pipe, err_file)
    assert.same({ "* guest2 is now bob", "bob: hello there", "guest1: hi bob", "* guest1 left" }, heard)
    assert.matches("chat: 2 clients came", err)
  end))

  -- #yield_in_for: the example reads the body with `for piece in
  -- body_pieces(...)`, a sock.wrap iterator that waits when the body comes
  -- after the head (on 5.1 these pass only when it does not).
  describe("sock_http_get.lua #yield_in_for", function()
    local dir, server

    before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. quote(dir)))
      local f = assert(io.open(dir .. "/hello.txt", "w"))
      f:write(net.filler(100000))
      f:close()
    end)

    after_each(function()
      if server then stop(server.pid, server.pipe, server.err) end
      server = nil
      os.execute("rm -rf " .. quote(dir))
    end)

    local function serve(command)
      local line, pid, pipe, err = start(command)
      server = { pid = pid, pipe = pipe, err = err }
      return assert(tonumber(line:match("port (%d+)") or line), "no port: " .. tostring(line))
    end

    -- A python3 HTTP/1.1 server that answers one request with `do_get`
    -- (the body of its do_GET, indented 8 spaces) and prints its port.
    local function serve_once(do_get)
      return serve("python3 -c " .. quote(([[
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
%s
    def log_message(self, *args): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 20
print(s.server_address[1], flush=True)
s.handle_request()
]]):format(do_get)))
    end

    local function get(url)
      local out = os.tmpname()
      local errf = os.tmpname()
      local ok = os.execute(lua_command("examples/sock_http_get.lua", url, 10) .. " >" .. out .. " 2>" .. errf)
      local body = assert(io.open(out)):read("*a")
      local head = assert(io.open(errf)):read("*a")
      os.remove(out)
      os.remove(errf)
      -- Lua 5.1 and LuaJIT give the exit status (0), 5.2+ true.
      return ok == true or ok == 0, body, head
    end

    it("fetches a file from python3 -m http.server", function()
      local port = serve("python3 -u -m http.server --bind 127.0.0.1 0 --directory " .. quote(dir))
      local ok, body, head = get(("http://127.0.0.1:%d/hello.txt"):format(port))
      assert.is_true(ok, head)
      assert.matches("^HTTP/1%.%d 200", head)
      assert.equal(100000, #body)
      assert.is_true(body == net.filler(100000))
      local missing_ok, _, missing_head = get(("http://127.0.0.1:%d/missing"):format(port))
      assert.is_false(missing_ok)
      assert.matches("^HTTP/1%.%d 404", missing_head)
    end)

    it("reads a chunked HTTP/1.1 body", function()
      local port = serve_once([[
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in (b"hello, ", b"chunked ", b"world"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")]])
      local ok, body, head = get(("http://127.0.0.1:%d/"):format(port))
      assert.is_true(ok, head)
      assert.equal("hello, chunked world", body)
    end)

    -- It used to exit 0 whenever the status was 2xx, even when reading the
    -- body failed on the way.
    it("exits with a failure when the body ends before its Content-Length", function()
      local port = serve_once([[
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b"only ten b")
        self.close_connection = True]])
      local ok, body, head = get(("http://127.0.0.1:%d/"):format(port))
      assert.is_false(ok, head)
      assert.matches("^HTTP/1%.%d 200", head)
      assert.equal("only ten b", body)
      assert.matches("closed", head)
    end)
  end)
end)
