-- What a scenario observed, as lines of text that compare exactly: each
-- rec(label, ...) call adds "label: v1, v2, ..." with every value in a form
-- that does not depend on the kernel's incidental numbers (a userdata's
-- tostring has its digits masked; tables are written key by key, sorted).
-- Scenarios record ports, descriptors and addresses that differ between
-- kernels as facts about them (`port > 0`), never as themselves.

local M = {}

local function text(v, depth)
  local t = type(v)
  if t == "string" then
    return (("%q"):format(v):gsub("\\\n", "\\n"))
  elseif t == "number" then
    if v == math.floor(v) and v > -2^53 and v < 2^53 then return ("%d"):format(v) end
    return ("%.6g"):format(v)
  elseif t == "table" then
    if depth > 3 then return "{...}" end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
      return type(a) < type(b)
    end)
    local parts = {}
    for _, k in ipairs(keys) do
      parts[#parts + 1] = (type(k) == "string" and k or "[" .. text(k, depth + 1) .. "]")
        .. "=" .. text(v[k], depth + 1)
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  elseif t == "userdata" then
    return "<" .. (tostring(v):gsub("0x%x+", "#"):gsub("%-?%d+", "#")) .. ">"
  else
    return tostring(v)
  end
end

M.text = function(v) return text(v, 0) end

function M.new()
  local rec = { lines = {} }
  setmetatable(rec, { __call = function(self, label, ...)
    local n = select("#", ...)
    local parts = {}
    for k = 1, n do parts[k] = text((select(k, ...)), 0) end
    self.lines[#self.lines + 1] = label .. ": " .. table.concat(parts, ", ")
  end })
  return rec
end

return M
