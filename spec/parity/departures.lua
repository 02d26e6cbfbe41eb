-- The documented departures: the entries of platform/sim/README.md's
-- section "Departures from Linux", each a line "- **name**: reason". A
-- scenario's `departure` field must name one of them (run.lua checks).

local M = {}

function M.load()
  local root = debug.getinfo(1, "S").source:match("^@(.*)spec/parity/departures%.lua$") or "./"
  if root == "" then root = "./" end
  local f = assert(io.open(root .. "platform/sim/README.md", "r"))
  local text = f:read("*a")
  f:close()
  local section = text:match("\n## Departures from Linux[^\n]*\n(.-)\n## ") or
                  text:match("\n## Departures from Linux[^\n]*\n(.*)$") or ""
  local names = {}
  for name in section:gmatch("\n%- %*%*([%w_%-]+)%*%*") do names[name] = true end
  for name in ("\n" .. section):gmatch("^%- %*%*([%w_%-]+)%*%*") do names[name] = true end
  return names
end

return M
