// Steps and error codes as text, so that a failed CHECK reads
// "Failed(ECONNRESET) == Blocked(readable)" instead of two opaque structs.
#pragma once

#include <cerrno>
#include <string>

#include "core/step.hpp"
#include "lsock/os.hpp"

namespace lsock::test {

inline std::string error_name(int error) {
    switch (error) {
        case 0: return "0";
        case kErrorClosed: return "kErrorClosed";
        case kErrorTimeout: return "kErrorTimeout";
        case EAGAIN: return "EAGAIN";
        case EINTR: return "EINTR";
        case EINPROGRESS: return "EINPROGRESS";
        case EISCONN: return "EISCONN";
        case ENOTCONN: return "ENOTCONN";
        case ECONNREFUSED: return "ECONNREFUSED";
        case ECONNRESET: return "ECONNRESET";
        case ECONNABORTED: return "ECONNABORTED";
        case EPIPE: return "EPIPE";
        case EBADF: return "EBADF";
        case EMFILE: return "EMFILE";
        case ENOMEM: return "ENOMEM";
        case EINVAL: return "EINVAL";
        case EAFNOSUPPORT: return "EAFNOSUPPORT";
        case EDESTADDRREQ: return "EDESTADDRREQ";
        case EMSGSIZE: return "EMSGSIZE";
        case ETIMEDOUT: return "ETIMEDOUT";
        default: return "errno " + std::to_string(error);
    }
}

inline std::string events_text(unsigned events) {
    std::string text;
    if (events & kReadable) text += "readable";
    if (events & kWritable) text += text.empty() ? "writable" : "|writable";
    return text.empty() ? "nothing" : text;
}

inline std::string text(const Step& step) {
    switch (step.kind) {
        case Step::Done: return "Done";
        case Step::Failed: return "Failed(" + error_name(step.error) + ")";
        case Step::Blocked: return "Blocked(" + events_text(step.events) + ")";
    }
    return "?";
}

inline std::string done() { return "Done"; }
inline std::string failed(int error) { return "Failed(" + error_name(error) + ")"; }
inline std::string blocked(unsigned events) { return "Blocked(" + events_text(events) + ")"; }

}  // namespace lsock::test
