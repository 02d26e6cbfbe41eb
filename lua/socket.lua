-- The `socket` module: blocking, non-blocking and timeout sockets over the
-- system's kernel. The work is done in C++ (lsock.so); this file exists so
-- that `require "socket"` finds this library ahead of any other `socket`
-- on package.path.
return require "lsock.socket"
