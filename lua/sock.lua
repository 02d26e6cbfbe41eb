-- Coroutine-scheduled sockets: the `sock` module. The work is done in C++
-- (lsock.so); the reference is docs/sock.md.
return require "lsock.sock"
