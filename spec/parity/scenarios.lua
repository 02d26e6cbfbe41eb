-- The parity suite's one table: every scenario, in order, from the files
-- of this folder by area. A scenario is { name = ..., run = function(t) },
-- optionally departure = "<entry of platform/sim/README.md>" (the kernels
-- are known to differ here, for the reason given there) and netns = true
-- (its loopback half runs in a fresh network namespace: run.lua).

local all = {}
for _, area in ipairs { "tcp", "udp", "unix", "options", "names", "sock_tcp", "sock_udp" } do
  local ok, list = pcall(require, "spec.parity." .. area)
  if not ok and tostring(list):find("module 'spec.parity." .. area .. "' not found", 1, true) then
    list = {}
  elseif not ok then
    error(list, 0)
  end
  for _, s in ipairs(list) do all[#all + 1] = s end
end
return all
