#include "windows/afd.hpp"

#include <mswsock.h>

namespace lsock::windows::afd {

namespace {

constexpr ULONG kIoctlPoll = 0x00012024;  // IOCTL_AFD_POLL
constexpr NTSTATUS kStatusPending = 0x00000103;
constexpr NTSTATUS kStatusCancelled = NTSTATUS(0xC0000120);
#ifndef SIO_BASE_HANDLE
constexpr DWORD SIO_BASE_HANDLE = 0x48000022;
#endif

// The device's name: "\Device\Afd" with a path after it, which the driver
// ignores (wepoll's choice of suffix names who opened it in handle lists).
wchar_t device_name[] = L"\\Device\\Afd\\lsock";

}  // namespace

}  // namespace lsock::windows::afd

// Exported by ntdll and not declared by <winternl.h>.
extern "C" NTSTATUS NTAPI NtCancelIoFileEx(HANDLE file, PIO_STATUS_BLOCK request, PIO_STATUS_BLOCK status);

namespace lsock::windows::afd {

DWORD open_device(HANDLE port, ULONG_PTR key, HANDLE* out) {
    UNICODE_STRING name;
    name.Length = USHORT(sizeof device_name - sizeof device_name[0]);
    name.MaximumLength = USHORT(sizeof device_name);
    name.Buffer = device_name;
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, &name, 0, nullptr, nullptr);
    IO_STATUS_BLOCK io{};
    HANDLE device = nullptr;
    // No extended attributes: a handle on the driver with no socket behind it.
    NTSTATUS status = NtCreateFile(&device, SYNCHRONIZE, &attributes, &io, nullptr, 0,
                                   FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN, 0, nullptr, 0);
    if (status != 0) return RtlNtStatusToDosError(status);
    if (!CreateIoCompletionPort(device, port, key, 0) ||
        // Nobody waits on the device handle itself: do not signal it.
        !SetFileCompletionNotificationModes(device, FILE_SKIP_SET_EVENT_ON_HANDLE)) {
        DWORD error = GetLastError();
        CloseHandle(device);
        return error;
    }
    *out = device;
    return 0;
}

DWORD start_poll(HANDLE device, void* info, ULONG size, IO_STATUS_BLOCK* status) {
    auto header = static_cast<PollInfo<1>*>(info);
    header->timeout.QuadPart = INT64_MAX;
    header->exclusive = FALSE;
    status->Status = kStatusPending;
    NTSTATUS rc = NtDeviceIoControlFile(device, nullptr, nullptr, status, status, kIoctlPoll, info, size, info, size);
    if (rc == 0 || rc == kStatusPending) return 0;
    status->Status = rc;  // no completion will come
    return RtlNtStatusToDosError(rc);
}

void cancel_poll(HANDLE device, IO_STATUS_BLOCK* status) {
    if (finished(*status)) return;
    IO_STATUS_BLOCK cancel{};
    // STATUS_NOT_FOUND: it completed meanwhile; its completion is queued.
    NtCancelIoFileEx(device, status, &cancel);
}

bool finished(const IO_STATUS_BLOCK& status) {
    return *static_cast<const volatile NTSTATUS*>(&status.Status) != kStatusPending;
}

bool cancelled(const IO_STATUS_BLOCK& status) { return status.Status == kStatusCancelled; }

bool failed(const IO_STATUS_BLOCK& status) { return status.Status < 0; }

SOCKET base_socket(SOCKET socket) {
    SOCKET base = INVALID_SOCKET;
    DWORD bytes = 0;
    if (WSAIoctl(socket, SIO_BASE_HANDLE, nullptr, 0, &base, sizeof base, &bytes, nullptr, nullptr) != 0 ||
        base == INVALID_SOCKET) {
        return socket;
    }
    return base;
}

}  // namespace lsock::windows::afd
