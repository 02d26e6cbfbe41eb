#include "windows/thread_doorbell.hpp"

namespace lsock::windows {

namespace {

// The wait it interrupts is the point; there is nothing to run.
void CALLBACK interrupt_wait(ULONG_PTR) {}

}  // namespace

ThreadDoorbell::~ThreadDoorbell() {
    if (thread_) CloseHandle(thread_);
}

void ThreadDoorbell::ring() {
    std::lock_guard<std::mutex> lock(mutex_);
    rung_ = true;
    // Under the lock: the owner cannot close the handle meanwhile. The
    // order (flag, then the thread read here; the owner's thread written,
    // then the flag read, both under this lock) means the owner either sees
    // the flag before it blocks or is the thread this APC goes to.
    if (thread_) QueueUserAPC(interrupt_wait, thread_, 0);
}

void ThreadDoorbell::reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    rung_ = false;
}

bool ThreadDoorbell::rung() {
    std::lock_guard<std::mutex> lock(mutex_);
    return rung_;
}

DWORD ThreadDoorbell::follow_current_thread() {
    DWORD id = GetCurrentThreadId();
    std::lock_guard<std::mutex> lock(mutex_);
    if (id == thread_id_ && thread_) return 0;
    HANDLE thread = OpenThread(THREAD_SET_CONTEXT, FALSE, id);
    if (!thread) return GetLastError();
    if (thread_) CloseHandle(thread_);
    thread_ = thread;
    thread_id_ = id;
    return 0;
}

}  // namespace lsock::windows
