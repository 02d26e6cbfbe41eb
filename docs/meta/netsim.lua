---@meta netsim
-- LuaLS annotations of `require "netsim"` (the reference is docs/netsim.md).
-- Never loaded at run time: an editor reads them (see README.md here).

---The simulated network: worlds of hosts in virtual time.
---@class netsim
---@field _VERSION string
local netsim = {}

---@class netsim.world_options
---@field seed? integer whole number in [0, 2^53), default 1 (never OS entropy)
---@field trace? boolean|fun(line: string) true: each event to stderr as it happens; a function: called with each line between events

---@class netsim.link_options
---@field latency? number seconds, >= 0
---@field jitter? number seconds, >= 0
---@field bandwidth? number bytes per second, 0 = unlimited
---@field loss? number probability in [0, 1]
---@field duplicate? number probability in [0, 1]
---@field reorder? number probability in [0, 1]
---@field reorder_delay? number seconds, >= 0

---A new world. Unknown options and values out of range raise.
---@param options? netsim.world_options
---@return netsim.world
function netsim.world(options) end

---@class netsim.sweep_options
---@field seeds? integer how many seeds, in [1, 1000000]; default 100
---@field first? integer the first seed, default 1
---@field determinism? boolean call the scenario twice per seed and compare its worlds' trace hashes

---@class netsim.sweep_failure
---@field seed integer
---@field error string

---@class netsim.sweep_report
---@field passed integer
---@field failed integer
---@field failures netsim.sweep_failure[] in seed order

---Runs `scenario(seed)` for each seed, protected, and reports the seeds
---whose call raised (with `determinism`, also those whose two runs gave
---different trace hashes; the scenario must then return its world).
---@param scenario fun(seed: integer): netsim.world?
---@param options? netsim.sweep_options
---@return netsim.sweep_report
function netsim.sweep(scenario, options) end

---A simulated network: hosts, links, faults, a virtual clock, one seed.
---@class netsim.world
local world = {}

---Runs until nothing can happen (or until virtual time `until`); returns
---`world:now()`. Raises, naming the seed, when a thread (or the trace
---function) fails and when threads wait on each other forever.
---@param until_time? number
---@return number now
function world:run(until_time) end

---Adds a host. A numeric name is its own address; another name without
---addresses gets 10.0.x.y and fd00::x:y.
---@param name string
---@param addresses? string[]
---@return netsim.host|nil host
---@return string? err
function world:host(name, addresses) end

---The host of that name, or nil.
---@param name string
---@return netsim.host|nil
function world:find_host(name) end

---Sets the link between two hosts, both directions; fields left out keep
---their value.
---@param a netsim.host
---@param b netsim.host
---@param options netsim.link_options
function world:link(a, b, options) end

---Sets one direction of a link.
---@param from netsim.host
---@param to netsim.host
---@param options netsim.link_options
function world:link_one_way(from, to, options) end

---Settings for every pair not set.
---@param options netsim.link_options
function world:default_link(options) end

---Drops the packets between two hosts, both ways.
---@param a netsim.host
---@param b netsim.host
function world:partition(a, b) end

---Drops the packets from one host to another.
---@param from netsim.host
---@param to netsim.host
function world:partition_one_way(from, to) end

---Heals a pair (both ways), or with no arguments every partition.
---@param a? netsim.host
---@param b? netsim.host
function world:heal(a, b) end

---Heals one direction.
---@param from netsim.host
---@param to netsim.host
function world:heal_one_way(from, to) end

---Adds a name to the world's resolver, or makes lookups of it fail:
---"servfail" (a temporary failure after the resolver's latency) or
---"silent" (no answer: a temporary failure after its timeout).
---@param name string
---@param addresses string[]|"servfail"|"silent"
---@return true|nil ok
---@return string? err
function world:name(name, addresses) end

---@class netsim.resolver_options
---@field latency? number seconds from question to answer (default 0: at once)
---@field jitter? number plus up to this much, drawn from the seed
---@field timeout? number how long an unanswered lookup takes to fail (default 10)
---@field down? boolean the resolver is cut off: every name times out

---How the world's resolver answers in virtual time; fields left out keep
---their value.
---@param options netsim.resolver_options
function world:resolver(options) end

---Virtual seconds.
---@return number
function world:now() end

---The seed.
---@return number
function world:seed() end

---16 hex digits identifying the whole event trace.
---@return string
function world:trace_hash() end

---The last events (up to 10000), one per line.
---@return string
function world:trace() end

---Adds a line of your own to the trace.
---@param text string
function world:note(text) end

---A simulated host: its own addresses, kernel and modules.
---@class netsim.host
local host = {}

---Runs `fn(socket, sock)` as a thread on this host (at the next run, or at
---once in a running world). A daemon may wait forever without a deadlock.
---@param fn fun(socket: socket, sock: sock)
---@param options? {daemon: boolean?}
---@return thread
function host:spawn(fn, options) end

---The host's `socket` module.
---@return socket
function host:socket() end

---The host's `sock` module (one loop per host).
---@return sock
function host:sock() end

---The host's name.
---@return string
function host:name() end

---The host's IP addresses.
---@return string[]
function host:addresses() end

---Descriptors open on the host (for leak checks).
---@return integer
function host:open_descriptors() end

---Removes a unix socket path.
---@param path string
---@return true|nil ok
---@return string? err
function host:unlink(path) end

---Stops the host at once: its threads die, its sockets vanish silently.
function host:crash() end

---Brings the host back empty, with the same addresses.
function host:restart() end

---Whether the host is up.
---@return boolean
function host:up() end

return netsim
