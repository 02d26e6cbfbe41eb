// The AFD poll request: readiness of a Winsock socket, reported through an
// I/O completion port (the mechanism of wepoll, mio and libuv's poll
// handles; docs/design.md, "Completion kernels").
//
// Winsock's sockets are handles of the Ancillary Function Driver. A handle
// opened on the driver itself (no endpoint behind it) accepts
// IOCTL_AFD_POLL, which completes, as an overlapped operation, once one of
// the given sockets has one of the asked-for conditions: at once if it has
// one already (AFD poll is level-triggered). The driver's interface is not
// in the SDK's headers, so its few structures are declared here, as wepoll
// and mio declare them.
#pragma once

#include <winsock2.h>
#include <windows.h>
#include <winternl.h>

#include <cstddef>
#include <cstdint>

namespace lsock::windows::afd {

// What a poll asks for and reports (AFD_POLL_* of the driver).
constexpr ULONG kReceive = 0x0001;     // data to read (or a datagram)
constexpr ULONG kSend = 0x0004;        // room to write
constexpr ULONG kDisconnect = 0x0008;  // the peer's FIN
constexpr ULONG kAbort = 0x0010;       // reset
constexpr ULONG kLocalClose = 0x0020;  // closed by this process
constexpr ULONG kAccept = 0x0080;      // a connection to accept
constexpr ULONG kConnectFail = 0x0100;

struct PollHandleInfo {
    HANDLE handle;
    ULONG events;
    NTSTATUS status;
};

// A poll request for up to N sockets; the driver writes its answer over it:
// the sockets that have something, packed at the front, with what they have.
template <std::size_t N>
struct PollInfo {
    LARGE_INTEGER timeout;
    ULONG number_of_handles;
    ULONG exclusive;
    PollHandleInfo handles[N];
};

// A handle on the driver, associated with `port` under `key` (what each of
// its completions carries): 0 or a Win32 error code.
DWORD open_device(HANDLE port, ULONG_PTR key, HANDLE* out);

// Starts a poll of the `info->number_of_handles` sockets in `info` (each a
// base handle: base_socket), `size` bytes. `status` and `info` must stay put
// until the completion is dequeued: the driver writes both then. 0 when
// pending (the usual answer) or done at once (its completion is queued all
// the same), else a Win32 error code (and no completion comes).
DWORD start_poll(HANDLE device, void* info, ULONG size, IO_STATUS_BLOCK* status);

// Asks for a pending poll to end; its completion still comes, with
// STATUS_CANCELLED (or with events, if it won the race).
void cancel_poll(HANDLE device, IO_STATUS_BLOCK* status);

// True once the driver wrote the poll's result: its memory is ours again.
bool finished(const IO_STATUS_BLOCK& status);
bool cancelled(const IO_STATUS_BLOCK& status);
bool failed(const IO_STATUS_BLOCK& status);

// The handle the driver knows a socket by, under any layered service
// provider (SIO_BASE_HANDLE); the socket itself when there is none.
SOCKET base_socket(SOCKET socket);

}  // namespace lsock::windows::afd
