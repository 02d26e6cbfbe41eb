-- One area's list of scenarios and the function that adds to it:
--   local S, scenario = require "spec.parity.area" ("tcp")
--   scenario("connect twice", function(t) ... end[, { departure = "...", netns = true }])
--   return S
-- Names get the area as a prefix ("tcp: connect twice").
return function(prefix)
  local list = {}
  local function scenario(name, run, extra)
    local s = { name = prefix .. ": " .. name, run = run }
    for k, v in pairs(extra or {}) do s[k] = v end
    list[#list + 1] = s
  end
  return list, scenario
end
