-- The command of the Lua interpreter running the specs, for the specs that
-- start child Lua processes: a child must load the same build of lsock.so
-- (built for one Lua version) as its parent. LSOCK_LUA_INTERPRETER names it
-- when the interpreter is not on PATH under its Debian name.
local override = os.getenv("LSOCK_LUA_INTERPRETER")
if override and override ~= "" then return override end
if type(jit) == "table" then return "luajit" end
return "lua" .. assert(_VERSION:match("^Lua (5%.%d)$"), "an unknown Lua: " .. _VERSION)
