// The result of one attempt at a resumable socket operation.
//
// Every blocking call in the core is written as "try; if it would block, say
// what to wait for". Who waits (a blocked OS thread, a suspended simulated
// coroutine, a `sock` thread parked on its loop) is the caller's business,
// which is how one core serves all of them (docs/design.md, "Waiting").
#pragma once

namespace lsock {

// Errors the library adds beside errno values (which are all positive).
enum : int {
    kErrorClosed = -1,   // the socket is closed, or the peer ended the stream
    kErrorTimeout = -2,  // the call's deadline passed
};

struct Step {
    enum Kind { Done, Failed, Blocked };
    Kind kind = Done;
    int error = 0;        // Failed: errno value or kError*
    unsigned events = 0;  // Blocked: kReadable / kWritable

    static Step done() { return {Done, 0, 0}; }
    static Step failed(int error) { return {Failed, error, 0}; }
    static Step blocked(unsigned events) { return {Blocked, 0, events}; }
    // Blocked on nothing a descriptor can signal (a full unix backlog):
    // the caller tries again after a short pause.
    static Step retry_soon() { return {Blocked, 0, 0}; }

    bool is_done() const { return kind == Done; }
    bool is_blocked() const { return kind == Blocked; }
    bool is_failed() const { return kind == Failed; }
};

}  // namespace lsock
