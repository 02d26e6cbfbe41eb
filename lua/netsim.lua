-- The simulated network: worlds of hosts in virtual time, with faults, that
-- hand out the `socket` module bound to one host. See docs/netsim.md.
return require "lsock.netsim"
