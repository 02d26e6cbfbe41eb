-- Coroutine-scheduled sockets (SPEC "Module sock"); see docs/sock.md.
return require "lsock.sock"
