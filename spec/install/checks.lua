-- A tiny harness for the install checks: check(name, fn) runs fn and
-- prints "ok - name" or "FAIL - name: error"; finish() prints the
-- "N passed, M failed" line tools/test.sh reads and exits non-zero on a
-- failure. (These checks run outside busted: they test what an installed
-- library looks like to a plain lua5.2, with nothing of the build on the
-- path.)
local M = { passed = 0, failed = 0 }

function M.check(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    M.passed = M.passed + 1
    print("ok - " .. name)
  else
    M.failed = M.failed + 1
    print("FAIL - " .. name .. ": " .. tostring(err))
  end
end

function M.finish()
  print(("%d passed, %d failed"):format(M.passed, M.failed))
  os.exit(M.failed == 0 and 0 or 1)
end

-- The file `require name` would load, from this path and cpath (nil if
-- none): the Lua searcher first, then the C one, then the all-in-one
-- loader's root name (lsock.socket -> lsock.so), as Lua 5.2 searches.
function M.module_file(name)
  return package.searchpath(name, package.path)
      or package.searchpath(name, package.cpath)
      or package.searchpath(name:match("^[^.]+"), package.cpath)
end

-- The version in the repository's VERSION file (`root` ends in "/").
function M.version(root)
  local f = assert(io.open(root .. "VERSION"))
  local v = f:read("*l")
  f:close()
  return v
end

return M
