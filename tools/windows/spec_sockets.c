/* spec_sockets: the Windows stand-in for /proc/self/fd, for the specs only.
 *
 * The specs count the descriptors the test process holds before and after
 * what they check (no leak after a failed connect, the collector closes a
 * dropped socket). Windows has no /proc, and Wine answers
 * GetProcessHandleCount with 0, so this module lists the process's own
 * handles through NtQuerySystemInformation(SystemExtendedHandleInformation),
 * which Wine and Windows both answer with full-width handle values, and
 * counts those that are sockets (getsockopt SO_TYPE succeeds on nothing
 * else). Counting sockets, not all handles, keeps the threads, events and
 * files of the C runtime and of Wine out of the figure.
 *
 *   require("spec_sockets").count() -> n      or nil, NTSTATUS
 *
 * Built by tools/windows/test.sh beside lsock.dll; not part of the library. */
#include <winsock2.h>
#include <windows.h>
#include <winternl.h>

#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

enum { kSystemExtendedHandleInformation = 64 };
#define STATUS_INFO_LENGTH_MISMATCH ((NTSTATUS)0xC0000004L)

typedef struct {
    PVOID object;
    ULONG_PTR process_id;
    ULONG_PTR handle;
    ULONG granted_access;
    USHORT creator_back_trace_index;
    USHORT object_type_index;
    ULONG attributes;
    ULONG reserved;
} HandleEntry;

typedef struct {
    ULONG_PTR count;
    ULONG_PTR reserved;
    HandleEntry entries[1];
} HandleTable;

typedef NTSTATUS(NTAPI* QuerySystemInformation)(ULONG, PVOID, ULONG, PULONG);

static int count(lua_State* L) {
    QuerySystemInformation query =
        (QuerySystemInformation)(void (*)(void))GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQuerySystemInformation");
    if (!query) return luaL_error(L, "spec_sockets: ntdll has no NtQuerySystemInformation");
    ULONG size = 1 << 16, needed = 0;
    HandleTable* table = NULL;
    NTSTATUS status;
    for (;;) {
        HandleTable* bigger = (HandleTable*)realloc(table, size);
        if (!bigger) {
            free(table);
            return luaL_error(L, "spec_sockets: out of memory");
        }
        table = bigger;
        status = query(kSystemExtendedHandleInformation, table, size, &needed);
        if (status != STATUS_INFO_LENGTH_MISMATCH || size >= (1u << 30)) break;
        size *= 2;   /* the table of every process's handles grew, or was larger */
    }
    if (status != 0) {
        free(table);
        lua_pushnil(L);
        lua_pushinteger(L, (lua_Integer)(ULONG)status);
        return 2;
    }
    ULONG_PTR me = GetCurrentProcessId();
    lua_Integer sockets = 0;
    for (ULONG_PTR i = 0; i < table->count; ++i) {
        if (table->entries[i].process_id != me) continue;
        int type = 0, length = (int)sizeof type;
        if (getsockopt((SOCKET)table->entries[i].handle, SOL_SOCKET, SO_TYPE, (char*)&type, &length) == 0) ++sockets;
    }
    free(table);
    lua_pushinteger(L, sockets);
    return 1;
}

__declspec(dllexport) int luaopen_spec_sockets(lua_State* L) {
    /* getsockopt needs Winsock started; WSAStartup counts, so this never
     * ends it under lsock. */
    WSADATA data;
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0) return luaL_error(L, "spec_sockets: WSAStartup failed");
    lua_newtable(L);
    lua_pushcfunction(L, count);
    lua_setfield(L, -2, "count");
    return 1;
}
