-- ours_sock.lua with name lookups running beside the echo: a sock thread
-- starts LOOKUPS_PER_SECOND lookups a second (each in its own thread, with
-- a 2 s expires) of names the DNS peer answers at once, so the loop keeps
-- serving while the lookup pool works. Run under tools/with_dns_peer.sh
-- (never against the machine's own resolver): tools/bench/echo_lookups.py.
--
--   LOOKUPS_PER_SECOND=1000 lua5.2 ours_sock_lookups.lua echo LIFETIME
local sock = require "sock"

local rate = tonumber(os.getenv("LOOKUPS_PER_SECOND") or "0")
local lifetime = assert(tonumber(arg[2]))
local stats = { started = 0, answered = 0, failed = 0 }

if rate > 0 then
  -- Batches every 10 ms: a timer per lookup would measure the timers.
  local period = 0.01
  local per_batch = rate * period
  local ends = sock.clock() + lifetime
  sock.newthread(function()
    local next_batch, owed, n = sock.clock(), 0, 0
    while sock.clock() < ends do
      owed = owed + per_batch
      while owed >= 1 do
        owed = owed - 1
        n = n + 1
        local name = ("bench%d.test"):format(n % 100000)
        stats.started = stats.started + 1
        sock.newthread(function()
          if sock.addr(name, 80, "tcp", nil, nil, nil, sock.clock() + 2) then
            stats.answered = stats.answered + 1
          else
            stats.failed = stats.failed + 1
          end
        end)
      end
      next_batch = next_batch + period
      -- The counts once a second: the harness ends the server by its PID,
      -- so the last of these lines is what it reads.
      if n % rate < per_batch then
        io.stderr:write(("lookups: %d started, %d answered, %d failed\n"):format(
          stats.started, stats.answered, stats.failed))
      end
      sock.sleep_until(next_batch)
    end
  end)
end

-- The echo server itself, unchanged; sock.start in it runs both.
dofile((arg[0]:gsub("ours_sock_lookups%.lua$", "ours_sock.lua")))
