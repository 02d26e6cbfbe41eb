#include "core/error_names.hpp"

#include <cerrno>

#include "core/step.hpp"

namespace lsock {

const char* portable_error_name(int error) {
    switch (error) {
        case kErrorTimeout:
        case ETIMEDOUT: return "timeout";
        case kErrorClosed:
        case EPIPE: return "closed";  // writing after the peer (or we) shut the stream
        case ECONNREFUSED: return "connection_refused";
        case ECONNRESET: return "connection_reset";
        case ECONNABORTED: return "connection_aborted";
        case EADDRINUSE: return "address_already_in_use";
        case EADDRNOTAVAIL: return "address_not_available";
        case EACCES:
        case EPERM: return "access_denied";
        case ENETUNREACH: return "network_unreachable";
        case EHOSTUNREACH: return "host_unreachable";
        default: return nullptr;
    }
}

int os_error_code(int error) {
    if (error == kErrorTimeout) return ETIMEDOUT;
    return error > 0 ? error : 0;
}

const char* portable_resolve_error_name(ResolveError error) {
    return error == ResolveError::NotFound ? "not_found" : nullptr;
}

}  // namespace lsock
