---@meta sock
-- LuaLS annotations of `require "sock"` (the reference is docs/sock.md).
-- Never loaded at run time: an editor reads them (see README.md here).
--
-- Every run-time failure is `nil, err, errcode`: `err` a portable name
-- ("timeout", "closed", "connection_refused", ...) or the system's message,
-- `errcode` the OS error number.

---Coroutine-scheduled sockets: threads made by `sock.newthread` wait on the
---loop (epoll, or virtual time on the simulated network).
---@class sock
---@field _VERSION string
local sock = {}

---@alias sock.family "inet"|"inet6"|"unix"
---@alias sock.protocol "ip"|"ipv6"|"tcp"|"udp"|"raw"|"icmp"|"igmp"|"icmpv6"
---@alias sock.address sock.ai|sock.sa

---A TCP socket; the OS socket is made at once.
---@param family? sock.family default "inet"
---@param protocol? sock.protocol
---@return sock.tcpsock|nil s
---@return string? err
---@return integer? errcode
function sock.tcp(family, protocol) end

---A UDP socket.
---@param family? sock.family default "inet"
---@param protocol? sock.protocol
---@return sock.udpsock|nil s
---@return string? err
---@return integer? errcode
function sock.udp(family, protocol) end

---A raw socket (needs root or CAP_NET_RAW: else `nil, "access_denied"`).
---@param family? sock.family default "inet"
---@param protocol? sock.protocol default "icmp" ("icmpv6" for inet6)
---@return sock.rawsock|nil s
---@return string? err
---@return integer? errcode
function sock.raw(family, protocol) end

---Resolves an address. `host`: a name, an IP, `"*"` or nil (all
---interfaces), `false` (loopback); for unix, the path. `flags`: a table or
---a `|`-separated string of `passive`, `cannonname`, `numerichost`,
---`numericserv`, `all`, `v4mapped`, `addrconfig`. An `ai` as the first
---argument is returned as it is.
---@param host string|false|nil|sock.ai
---@param port? integer|string
---@param socket_type "tcp"|"udp"|"raw"
---@param family? sock.family
---@param protocol? sock.protocol
---@param flags? string|table
---@param expires? number in a sock thread: a `sock.clock()` time that bounds the lookup
---@return sock.ai|nil ai
---@return string? err
---@return integer? errcode
function sock.addr(host, port, socket_type, family, protocol, flags, expires) end

---A buffer of `size` zeroed bytes (at most 2^31), for `recv` and `send`.
---@param size integer
---@return sock.buffer
function sock.buffer(size) end

---Monotonic seconds (virtual on the simulated network); every `expires` is
---such a value.
---@return number
function sock.clock() end

---Starts `f(...)` as a thread at once, up to its first wait.
---@param f fun(...)
---@param ... any
---@return thread co
function sock.newthread(f, ...) end

---Resumes the threads whose I/O is ready, waiting up to `timeout` seconds
---(default: forever).
---@param timeout? number
---@return boolean resumed
---@return "timeout"? err
function sock.poll(timeout) end

---Polls until no thread waits, `sock.stop()` was called, or `timeout`
---seconds passed (`false, "timeout"`).
---@param timeout? number
---@return boolean ok
---@return "timeout"? err
function sock.start(timeout) end

---Makes `sock.start` return after the current turn.
function sock.stop() end

---Suspends the calling thread for `s` seconds (only inside a thread).
---@param s number
function sock.sleep(s) end

---Suspends the calling thread until `sock.clock()` reaches `t`.
---@param t number
function sock.sleep_until(t) end

---`coroutine.wrap` for coroutines that do socket I/O: inside `f`,
---`coroutine.yield(...)` hands values to the caller, socket calls wait on
---the loop.
---@param f fun(...): ...
---@return fun(...): ...
function sock.wrap(f) end

---`pcall` that the thread's waits may yield across on every Lua (on 5.1
---the base `pcall` cannot be yielded across).
---@param f function
---@param ... any
---@return boolean ok
---@return any ...
function sock.pcall(f, ...) end

---`xpcall` with arguments, that the thread's waits may yield across on
---every Lua. On 5.1 `handler` runs after `f`'s coroutine ended.
---@param f function
---@param handler fun(err: any): any
---@param ... any
---@return boolean ok
---@return any ...
function sock.xpcall(f, handler, ...) end

---Sets what receives a failed thread's error (default, nil: stderr);
---returns the previous handler.
---@param handler? fun(message: string, co: thread)
---@return fun(message: string, co: thread)|nil previous
function sock.onerror(handler) end

---Without `fd`: the loop's epoll descriptor. With it: this loop joins that
---epoll (shared by Lua states in several OS threads); only while no thread
---of this loop waits. `nil, err` where the poller is kqueue, io_uring
---(`LSOCK_POLLER=epoll` keeps Linux on epoll) or an I/O completion port.
---@param fd? integer
---@return integer|true|nil result
---@return string? err
---@return integer? errcode
function sock.epoll_fd(fd) end

---Without `fd`: the loop's kqueue descriptor. With it: this loop joins that
---kqueue (shared by Lua states in several OS threads); only while no thread
---of this loop waits. `nil, err` where the poller is epoll, io_uring or an
---I/O completion port.
---@param fd? integer
---@return integer|true|nil result
---@return string? err
---@return integer? errcode
function sock.kqueue_fd(fd) end

---Windows. Without `handle`: the loop's I/O completion port. With it: this
---loop joins that port (shared by Lua states in several OS threads; the
---handle is duplicated, the caller keeps its own); only while no thread of
---this loop waits. `nil, err` where the poller is epoll or kqueue.
---@param handle? integer
---@return integer|true|nil result
---@return string? err
---@return integer? errcode
function sock.iocp(handle) end

---Without `fd`: the loop's io_uring descriptor (Linux, the default poller
---where the kernel and the build have io_uring). With it: checks that `fd`
---is a ring and makes this loop's own ring share its kernel workers; each
---loop keeps its own ring, so each handles only its own sockets. Only while
---no thread of this loop waits. `nil, err` where the poller is epoll,
---kqueue or an I/O completion port.
---@param fd? integer
---@return integer|true|nil result
---@return string? err
---@return integer? errcode
function sock.uring_fd(fd) end

---What every sock socket has. Methods on a closed socket return
---`nil, "closed"` (`type`, `family`, `protocol` and `close` still work).
---@class sock.socket
local socket = {}

---`"tcp"`, `"udp"` or `"raw"`.
---@return "tcp"|"udp"|"raw"
function socket:type() end

---`"inet"`, `"inet6"` or `"unix"`.
---@return sock.family
function socket:family() end

---The protocol's name (`"tcp"`, `"icmp"`, ...).
---@return string
function socket:protocol() end

---Closes the socket (FIN, or RST when unread data is pending or so_linger
---is 0); waiting threads wake with `nil, "closed"`. `true`, also the second time.
---@return true
function socket:close() end

---Binds to an `ai`/`sa` or to `host, port` (a path for unix).
---@param addr sock.address|string|false|nil
---@param port? integer|string
---@return true|nil ok
---@return string? err
---@return integer? errcode
function socket:bind(addr, port) end

---Sets an option: `so_reuseaddr`, `so_reuseport`, `so_keepalive`,
---`so_broadcast`, `tcp_nodelay` (booleans); `so_rcvbuf`, `so_sndbuf`
---(bytes); `so_linger` (seconds or false). Anything else raises.
---@param opt string
---@param value boolean|integer|false
---@return true|nil ok
---@return string? err
---@return integer? errcode
function socket:setopt(opt, value) end

---The value of an option (see `setopt`; `so_error` is read only).
---@param opt string
---@return boolean|integer|nil value
---@return string? err
---@return integer? errcode
function socket:getopt(opt) end

---The socket's own address.
---@return sock.sa|nil sa
---@return string? err
---@return integer? errcode
function socket:getsockname() end

---The peer's address.
---@return sock.sa|nil sa
---@return string? err
---@return integer? errcode
function socket:getpeername() end

---A TCP socket (`tostring`: `"<sock.tcp: FD>"`).
---@class sock.tcpsock: sock.socket
local tcpsock = {}

---Listens; binds first if not bound (default `"*"`, port 0). `backlog`
---defaults to the maximum.
---@param backlog? integer
---@param addr? sock.address|string|false
---@param port? integer|string
---@return true|nil ok
---@return string? err
---@return integer? errcode
function tcpsock:listen(backlog, addr, port) end

---Connects, trying each address of the `ai` (or of the name) in turn.
---@param addr sock.address|string|false
---@param port? integer|string
---@param expires? number a `sock.clock()` time: then the socket is closed
---@return true|nil ok
---@return string? err
---@return integer? errcode
function tcpsock:connect(addr, port, expires) end

---The next connection, and its remote and local addresses.
---@param expires? number
---@return sock.tcpsock|nil client
---@return sock.sa|string remote_sa_or_err
---@return sock.sa|integer|nil local_sa_or_errcode
function tcpsock:accept(expires) end

---Sends all of `data` (its first `maxlen` bytes), waiting as often as needed.
---@param data string|sock.buffer
---@param maxlen? integer
---@param expires? number
---@return integer|nil len
---@return string? err
---@return integer? errcode
function tcpsock:send(data, maxlen, expires) end

---Receives `1..maxlen` bytes at the start of `buf`, or `nil, "closed"` once
---the peer's FIN arrived.
---@param buf sock.buffer
---@param maxlen? integer default #buf
---@param expires? number
---@return integer|nil len
---@return string? err
---@return integer? errcode
function tcpsock:recv(buf, maxlen, expires) end

---Shuts down one or both directions; never blocks.
---@param how "r"|"w"|"rw"
---@return true|nil ok
---@return string? err
---@return integer? errcode
function tcpsock:shutdown(how) end

---A UDP socket (`tostring`: `"<sock.udp: FD>"`).
---@class sock.udpsock: sock.socket
local udpsock = {}

---Sets the default peer for `send` without an address.
---@param addr sock.address|string|false
---@param port? integer|string
---@return true|nil ok
---@return string? err
---@return integer? errcode
function udpsock:connect(addr, port) end

---Sends one datagram, to the address given or the connected peer. A number
---right after the data is `maxlen`; an ai, sa, host string or false starts
---the address; a number after the address is `expires`.
---@param data string|sock.buffer
---@param maxlen? integer
---@param addr? sock.address|string|false
---@param port? integer|string
---@param expires? number
---@return integer|nil len
---@return string? err
---@return integer? errcode
function udpsock:send(data, maxlen, addr, port, expires) end

---Receives one datagram (cut to `maxlen`) into `buf`, and its sender.
---@param buf sock.buffer
---@param maxlen? integer
---@param expires? number
---@return integer|nil len
---@return sock.sa|string sa_or_err
---@return integer? errcode
function udpsock:recv(buf, maxlen, expires) end

---A raw socket: the methods of a UDP socket; `recv` on raw IPv4 includes
---the IP header.
---@class sock.rawsock: sock.udpsock

---One entry of a resolved address list (`tostring`: `"ip:port"`).
---@class sock.ai
---@field addr sock.sa this entry's address
local ai = {}

---Frees the list (optional: the collector does it); using it afterwards raises.
function ai:free() end

---The next entry, or nil.
---@return sock.ai|nil
function ai:next() end

---An iterator over this entry and the following ones, each an `ai`:
---`for e in ai:addrs() do print(e:tostring(), e:type(), e:family()) end`.
---@return fun(): sock.ai|nil
function ai:addrs() end

---The entry's socket type.
---@return "tcp"|"udp"|"raw"|nil
function ai:type() end

---The entry's family.
---@return sock.family|"unspec"
function ai:family() end

---The entry's protocol name (or number when it has none).
---@return string|integer
function ai:protocol() end

---The canonical name (with the `cannonname` flag), or nil.
---@return string|nil
function ai:name() end

---`"ip:port"` (`"[::1]:80"`, or the unix path).
---@return string
function ai:tostring() end

---A socket address; `==` compares by value.
---@class sock.sa
local sa = {}

---The address's family.
---@return sock.family|"unspec"
function sa:family() end

---The port (nil for unix).
---@return integer|nil
function sa:port() end

---`"10.0.0.1:80"`, `"[::1]:80"`, or the path.
---@return string
function sa:tostring() end

---Its IP (nil for unix).
---@return sock.ip|nil
function sa:addr() end

---An IP address; `==` compares by value.
---@class sock.ip
local ip = {}

---`"10.0.0.1"`, `"::1"`.
---@return string
function ip:tostring() end

---The address as 4 or 16 bytes.
---@return string
function ip:tobinary() end

---Fixed-capacity bytes that `recv` fills in place; `#buf` is the capacity.
---@class sock.buffer
---@operator len: integer
local buffer = {}

---Copies `len` bytes from `offset` out (no arguments: the whole capacity);
---a range past the capacity raises.
---@param len? integer
---@param offset? integer default 0
---@return string
function buffer:tostring(len, offset) end

return sock
