// pcall and xpcall that a wait may yield across, on every Lua: the modules'
// `socket.pcall`/`socket.xpcall` and `sock.pcall`/`sock.xpcall`
// (docs/design.md, "Waiting without continuations").
//
// On 5.2, 5.3, 5.4 and LuaJIT they are the base library's own pcall and
// xpcall, which a coroutine yields across already. Lua 5.1's cannot be
// yielded across, so there they run the function in a coroutine of their
// own and pass its yields on to whoever resumed the caller, as lua-coxpcall
// does; each such coroutine is linked to the coroutine that called pcall,
// so that a wait inside it belongs to the thread the world or the sock loop
// resumes (yield_root, and sock's find_root).
#pragma once

#include "lua/common/lua_api.hpp"

namespace lsock::lua {

// Sets `pcall` and `xpcall` in the table on top of the stack.
void set_yield_safe_calls(lua_State* L);

// The coroutine that resumes L's waits: L itself, or, for a coroutine of
// the 5.1 pcall, the coroutine the chain of such calls started in. Null
// when that chain started in the main thread (it has no one to resume it).
lua_State* yield_root(lua_State* L);

// Whether L is the main thread, or a coroutine of the 5.1 pcall whose chain
// began there: code that no one resumes, which cannot wait by yielding.
bool runs_in_main_thread(lua_State* L);

// Replaces the thread on top of the stack by the coroutine its 5.1 pcall
// was called from: that thread, true (the main thread), or nil (it is no
// such coroutine; always nil on the other versions).
void replace_by_yield_link(lua_State* L);

}  // namespace lsock::lua
