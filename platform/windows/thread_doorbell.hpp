// A mailbox's doorbell on Windows: an APC queued to the thread that waits.
//
// Every poller of one shared completion port blocks in
// GetQueuedCompletionStatusEx on that same port, so a packet posted to the
// port would wake whichever of them the port picks, not the owner. An APC
// is queued to one thread: the owner's alertable wait returns with
// WAIT_IO_COMPLETION and the owner takes its mailbox. The APC itself does
// nothing; the flag says that something was rung, so a ring that comes
// before the owner blocks is not lost even if the APC ran elsewhere.
#pragma once

#include <windows.h>

#include <mutex>

#include "lsock/poller_mailbox.hpp"

namespace lsock::windows {

class ThreadDoorbell final : public Doorbell {
public:
    ThreadDoorbell() = default;
    ~ThreadDoorbell() override;
    ThreadDoorbell(const ThreadDoorbell&) = delete;
    ThreadDoorbell& operator=(const ThreadDoorbell&) = delete;

    // Any thread.
    void ring() override;
    // The owner, before it takes the mailbox.
    void reset() override;
    // The owner: was it rung since the last reset?
    bool rung();
    // The owner, before each wait: ring this thread from now on (a Lua state
    // may be driven by another OS thread than the one that made it). 0 or a
    // Win32 error code.
    DWORD follow_current_thread();

private:
    std::mutex mutex_;
    bool rung_ = false;
    DWORD thread_id_ = 0;
    HANDLE thread_ = nullptr;
};

}  // namespace lsock::windows
