---@meta socket
-- LuaLS annotations of `require "socket"` (the reference is docs/socket.md).
-- Never loaded at run time: an editor reads them (see README.md here).

---Blocking, non-blocking and timeout sockets over the system's kernel.
---@class socket
---@field AF_UNSPEC integer
---@field AF_INET integer
---@field AF_INET6 integer
---@field AF_UNIX integer
---@field SOCK_STREAM integer
---@field SOCK_DGRAM integer
---@field IPPROTO_TCP integer
---@field IPPROTO_UDP integer
---@field AI_PASSIVE integer
---@field AI_CANONNAME integer
---@field AI_NUMERICHOST integer
---@field AI_NUMERICSERV integer
---@field SHUT_RD integer
---@field SHUT_WR integer
---@field SHUT_RDWR integer
---@field OPT_TCP_NODELAY "tcp_nodelay"
---@field OPT_TCP_KEEPALIVE "tcp_keepalive"
---@field OPT_TCP_REUSEADDR "tcp_reuseaddr"
---@field ERROR_TIMEOUT "Operation timed out"
---@field ERROR_CLOSED "Connection closed"
---@field ERROR_REFUSED "Connection refused"
---@field _VERSION string
local socket = {}

---@alias socket.family "inet"|"inet6"|"unix"

---One entry of `socket.getaddrinfo`'s answer.
---@class socket.addrinfo
---@field family integer
---@field socktype integer
---@field protocol integer
---@field addr string
---@field port integer
---@field canonname? string

---A socket's own or its peer's address: `{ip, port}` (also `.ip`, `.port`)
---for inet sockets.
---@class socket.name
---@field [1] string
---@field [2] integer
---@field ip string
---@field port integer

---A TCP (or stream unix) socket. Without a family the OS socket is made by
---the first `connect`, `bind` or `listen`, from the address given.
---@param family? socket.family
---@return socket.tcpsock|nil sock
---@return string? err
function socket.tcp(family) end

---A UDP (or datagram unix) socket; without a family, made by the first
---`connect`, `bind` or `sendto`.
---@param family? socket.family
---@return socket.udpsock|nil sock
---@return string? err
function socket.udp(family) end

---Resolves `host` and `port` (either may be nil, not both) with the system
---resolver. The numbers are the `AF_*`, `SOCK_*`, `IPPROTO_*` and `AI_*`
---constants.
---@param host string?
---@param port integer|string|nil
---@param family? integer
---@param socktype? integer
---@param protocol? integer
---@param flags? integer
---@param timeout? number seconds the lookup may take (default: no limit); past it `nil, ERROR_TIMEOUT`
---@return socket.addrinfo[]|nil entries
---@return string? err
function socket.getaddrinfo(host, port, family, socktype, protocol, flags, timeout) end

---`pcall` that a blocking call's wait may yield across on every Lua (on
---5.1 the base `pcall` cannot be yielded across, which a call on a
---simulated host does).
---@param f function
---@param ... any
---@return boolean ok
---@return any ...
function socket.pcall(f, ...) end

---`xpcall` with arguments, that a wait may yield across on every Lua. On
---5.1 `handler` runs after `f`'s coroutine ended, in the caller.
---@param f function
---@param handler fun(err: any): any
---@param ... any
---@return boolean ok
---@return any ...
function socket.xpcall(f, handler, ...) end

---Waits until some of the given descriptors or sockets are readable or
---writable (no 1024 limit). The results hold the very values given. On
---timeout: `nil, nil, socket.ERROR_TIMEOUT`.
---@generic R, W
---@param readers? R[]
---@param writers? W[]
---@param timeout? number seconds; negative or nil: forever
---@return R[]|nil readable
---@return W[]|nil writable
---@return string? err
function socket.select(readers, writers, timeout) end

---What TCP and UDP sockets share.
---@class socket.sockbase
local sockbase = {}

---Binds to `host, port` (`"*"`: every interface, port 0: any free one) or to
---`"unix:/path"`.
---@param host string
---@param port? integer
---@return true|nil ok
---@return string? err
function sockbase:bind(host, port) end

---Connects to `host, port` or to `"unix:/path"`. On a TCP socket a failed
---connect closes the socket; on a UDP socket it sets the peer (again and again).
---@param host string
---@param port? integer
---@return true|nil ok
---@return string? err
function sockbase:connect(host, port) end

---Closes the socket; `true`, also the second time.
---@return true
function sockbase:close() end

---The descriptor number, `-1` once closed (or before the OS socket exists).
---@return integer
function sockbase:fileno() end

---`nil` or negative: block (the default); `0`: never wait; `t > 0`: at most
---`t` seconds per call, in all.
---@param t number?
---@return true|nil ok
---@return string? err
function sockbase:settimeout(t) end

---What `settimeout` set (`-1` for blocking).
---@return number|nil timeout
---@return string? err
function sockbase:gettimeout() end

---Sets an option: an `OPT_*` constant (a boolean), or `"so_linger"`
---(seconds, or `false` for off). Other names raise.
---@param opt string
---@param value boolean|number
---@return true|nil ok
---@return string? err
function sockbase:setopt(opt, value) end

---The value of an option (see `setopt`).
---@param opt string
---@return boolean|number|nil value
---@return string? err
function sockbase:getopt(opt) end

---The socket's own address: `{ip, port}` or the unix path.
---@return socket.name|string|nil name
---@return string? err
function sockbase:getsockname() end

---The peer's address: `{ip, port}` or the unix path.
---@return socket.name|string|nil name
---@return string? err
function sockbase:getpeername() end

---A TCP socket (`tostring`: `"<tcpsock: FD>"`).
---@class socket.tcpsock: socket.sockbase
local tcpsock = {}

---Listens for connections; without `bind` the OS picks a port.
---@param backlog? integer default 128
---@return true|nil ok
---@return string? err
function tcpsock:listen(backlog) end

---The next connection, as a new socket that inherits the timeout.
---@return socket.tcpsock|nil client
---@return string? err
function tcpsock:accept() end

---Writes all of `data`: the byte count, or `nil, err, sent`.
---@param data string
---@return integer|nil bytes
---@return string? err
---@return integer? sent
function tcpsock:write(data) end

---Exactly `size` bytes, or `nil, err, partial` (what arrived before the
---error; `err` is `ERROR_CLOSED` when the peer closed).
---@param size integer
---@return string|nil data
---@return string? err
---@return string? partial
function tcpsock:read(size) end

---1 to `max` bytes as soon as any are there.
---@param max integer
---@return string|nil data
---@return string? err
function tcpsock:readany(max) end

---An iterator: each call returns the data before the next `pattern` (with
---it when `inclusive`), or `nil, err, partial`. Bytes after the pattern stay
---buffered for `read`, `readany` and the iterator.
---@param pattern string
---@param inclusive? boolean
---@return fun(): string|nil, string?, string?
function tcpsock:readuntil(pattern, inclusive) end

---Shuts down one or both directions.
---@param how integer|"r"|"w"|"rw" a `SHUT_*` constant or its letters
---@return true|nil ok
---@return string? err
function tcpsock:shutdown(how) end

---A UDP socket (`tostring`: `"<udpsock: FD>"`).
---@class socket.udpsock: socket.sockbase
local udpsock = {}

---Sends one datagram to the connected peer.
---@param data string
---@return true|nil ok
---@return string? err
function udpsock:send(data) end

---Sends one datagram to `host, port` (`"Message too long"` above the limit).
---@param data string
---@param host string
---@param port integer
---@return true|nil ok
---@return string? err
function udpsock:sendto(data, host, port) end

---One datagram, cut to `size` bytes.
---@param size integer
---@return string|nil data
---@return string? err
function udpsock:recv(size) end

---One datagram and its sender (as `getpeername` gives it).
---@param size integer
---@return string|nil data
---@return socket.name|string|string addr_or_err
function udpsock:recvfrom(size) end

return socket
