-- tcp readuntil: the iterator, patterns of any length that span reads,
-- repeated prefixes, long lines, the inclusive flag, and what stays
-- buffered after a pattern.

local net = require "spec.support.net"
local helpers = require "spec.support.helpers"

-- Collects lines until the iterator fails; returns them and the failure.
local function collect(next_line, max)
  local lines = {}
  for _ = 1, max or 1000 do
    local line, err, partial = next_line()
    if not line then return lines, err, partial end
    lines[#lines + 1] = line
  end
  error("collect: more than " .. (max or 1000) .. " lines")
end

describe("tcp readuntil", function()

  it("returns each line before the delimiter, then nil, ERROR_CLOSED, \"\"", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "one", "two", "three" } })
    c:settimeout(5)
    local lines, err, partial = collect(c:readuntil("\n"))
    assert.same({ "one", "two", "three" }, lines)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("", partial)
    c:close()
  end))

  it("returns the bytes after the last delimiter as the partial on close", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "one" }, tail = "unfinished" })
    c:settimeout(5)
    local lines, err, partial = collect(c:readuntil("\n"))
    assert.same({ "one" }, lines)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("unfinished", partial)
    c:close()
  end))

  it("returns empty lines between adjacent delimiters", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "", "x", "" } })
    c:settimeout(5)
    local lines = collect(c:readuntil("\n"))
    assert.same({ "", "x", "" }, lines)
    c:close()
  end))

  it("with inclusive = true keeps the delimiter", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { delim = "\\r\\n", line = { "GET / HTTP/1.1", "" } })
    c:settimeout(5)
    local lines = collect(c:readuntil("\r\n", true))
    assert.same({ "GET / HTTP/1.1\r\n", "\r\n" }, lines)
    c:close()
  end))

  it("finds \\r\\n when it spans two reads", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines",
                                   { delim = "\\r\\n", line = { "alpha", "beta" }, split = true })
    c:settimeout(5)
    assert.same({ "alpha", "beta" }, (collect(c:readuntil("\r\n"))))
    c:close()
  end))

  it("finds a long multi-byte boundary sent one byte per segment", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines",
                                   { delim = "--boundary--", line = { "part one", "part-two-", "-" },
                                     tail = "epilogue", split = true, delay = 0.01 })
    c:settimeout(10)
    local lines, err, partial = collect(c:readuntil("--boundary--"))
    assert.same({ "part one", "part-two-", "-" }, lines)
    assert.equal(socket.ERROR_CLOSED, err)
    assert.equal("epilogue", partial)
    c:close()
  end))

  it("finds \"aab\" in \"aaab\" (a repeated prefix)", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { delim = "aab", line = { "a" }, after = "hold" })
    c:settimeout(5)
    assert.equal("a", c:readuntil("aab")())
    c:close()
  end))

  it("finds \"aab\" in \"aaab\" when the bytes arrive one by one", net.test(function(socket)
    -- The stream "a" "a" "a" "b" "xa" "a" "a" "b" "a" "a" "b":
    -- lines "a", "xa", "" around three delimiters.
    local c = helpers.connect_peer(socket, "lines",
                                   { delim = "aab", line = { "a", "xa", "" }, split = true })
    c:settimeout(5)
    assert.same({ "a", "xa", "" }, (collect(c:readuntil("aab"))))
    c:close()
  end))

  it("finds \"abac\" in \"ababac\" after an overlapping false start", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { delim = "abac", line = { "ab" }, split = true })
    c:settimeout(5)
    -- stream: "ab" + "abac": the first "aba" is a false start.
    assert.equal("ab", c:readuntil("abac")())
    c:close()
  end))

  it("returns a 1 MiB line whole", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "@1048576", "short" } })
    c:settimeout(10)
    local next_line = c:readuntil("\n")
    local line = next_line()
    assert.equal(1048576, #(line or ""))
    assert.equal(net.filler(1048576), line)
    assert.equal("short", next_line())
    c:close()
  end))

  it("returns a 1 MiB line whose delimiter is split across segments", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines",
                                   { delim = "\\r\\n", line = { "@1048576", "end" }, split = true })
    c:settimeout(10)
    local next_line = c:readuntil("\r\n")
    assert.equal(net.filler(1048576), next_line())
    assert.equal("end", next_line())
    c:close()
  end))

  it("keeps the data after the pattern for read and readany", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines",
                                   { line = { "header" }, tail = "body12345", after = "hold" })
    c:settimeout(5)
    net.sleep(0.1)
    assert.equal("header", c:readuntil("\n")())
    assert.equal("body", c:read(4))
    assert.equal("12345", c:readany(100))
    c:close()
  end))

  it("shares one buffer between iterators with different patterns", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "a;b", "c;" }, after = "hold" })
    c:settimeout(5)
    -- stream "a;b\nc;\n"
    local by_semicolon = c:readuntil(";")
    local by_newline = c:readuntil("\n")
    assert.equal("a", by_semicolon())
    assert.equal("b", by_newline())
    assert.equal("c", by_semicolon())
    assert.equal("", by_newline())
    c:close()
  end))

  it("reads many lines from a repeated stream", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines",
                                   { line = { "x", "@100", "yy" }, ["repeat"] = 300 })
    c:settimeout(10)
    local lines, err = collect(c:readuntil("\n"), 2000)
    assert.equal(900, #lines)
    assert.equal(socket.ERROR_CLOSED, err)
    for i = 1, 900, 3 do
      assert.equal("x", lines[i])
      assert.equal(net.filler(100), lines[i + 1])
      assert.equal("yy", lines[i + 2])
    end
    c:close()
  end))

  it("on timeout returns nil, ERROR_TIMEOUT, partial and loses no data", net.test(function(socket)
    local c = helpers.connect_peer(socket, "drip",
                                   { payload = "abc\\n", chunk = 2, delay = 0.6, after = "hold" })
    c:settimeout(0.3)
    local next_line = c:readuntil("\n")
    local line, err, partial = next_line()
    assert.is_nil(line)
    assert.equal(socket.ERROR_TIMEOUT, err)
    assert.is_string(partial)
    c:settimeout(5)
    local rest = next_line()
    -- Whether the partial was handed over or kept buffered, nothing is lost
    -- or repeated.
    assert.is_true(partial .. rest == "abc" or (rest == "abc" and ("abc"):sub(1, #partial) == partial),
                   "partial " .. partial .. ", then " .. tostring(rest))
    c:close()
  end))

  it("an iterator made before close returns nil, ERROR_CLOSED after it", net.test(function(socket)
    local c = helpers.connect_peer(socket, "lines", { line = { "one", "two" }, after = "hold" })
    c:settimeout(5)
    local next_line = c:readuntil("\n")
    assert.equal("one", next_line())
    c:close()
    local line, err = next_line()
    assert.is_nil(line)
    assert.equal(socket.ERROR_CLOSED, err)
  end))

  it("on a closed socket the iterator returns nil, ERROR_CLOSED", net.test(function(socket)
    local a, b = helpers.tcp_pair(socket)
    a:close()
    local next_line, err = a:readuntil("\n")
    if type(next_line) == "function" then
      local line
      line, err = next_line()
      assert.is_nil(line)
    end
    assert.equal(socket.ERROR_CLOSED, err)
    b:close()
  end))
end)
