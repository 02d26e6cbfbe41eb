#include "lsock/error_text.hpp"

#include <cerrno>
#include <cstring>

namespace lsock {

std::string errno_text(int error) {
    // glibc's wording (spec/core/error_text_spec.cpp compares every entry
    // with glibc's strerror on Linux).
    switch (error) {
        case 0: return "Success";
        case EPERM: return "Operation not permitted";
        case EINTR: return "Interrupted system call";
        case EIO: return "Input/output error";
        case EBADF: return "Bad file descriptor";
        case EAGAIN: return "Resource temporarily unavailable";
        case ENOMEM: return "Cannot allocate memory";
        case EACCES: return "Permission denied";
        case EFAULT: return "Bad address";
        case EINVAL: return "Invalid argument";
        case EMFILE: return "Too many open files";
        case EPIPE: return "Broken pipe";
        case ENAMETOOLONG: return "File name too long";
        case ENOSYS: return "Function not implemented";
        case ELOOP: return "Too many levels of symbolic links";
        case ENOTSOCK: return "Socket operation on non-socket";
        case EDESTADDRREQ: return "Destination address required";
        case EMSGSIZE: return "Message too long";
        case EPROTOTYPE: return "Protocol wrong type for socket";
        case ENOPROTOOPT: return "Protocol not available";
        case EPROTONOSUPPORT: return "Protocol not supported";
        case EOPNOTSUPP: return "Operation not supported";
#if ENOTSUP != EOPNOTSUPP  // one value on Linux, two on Windows
        case ENOTSUP: return "Operation not supported";
#endif
        case EAFNOSUPPORT: return "Address family not supported by protocol";
        case EADDRINUSE: return "Address already in use";
        case EADDRNOTAVAIL: return "Cannot assign requested address";
        case ENETDOWN: return "Network is down";
        case ENETUNREACH: return "Network is unreachable";
        case ENETRESET: return "Network dropped connection on reset";
        case ECONNABORTED: return "Software caused connection abort";
        case ECONNRESET: return "Connection reset by peer";
        case ENOBUFS: return "No buffer space available";
        case EISCONN: return "Transport endpoint is already connected";
        case ENOTCONN: return "Transport endpoint is not connected";
        case ETIMEDOUT: return "Connection timed out";
        case ECONNREFUSED: return "Connection refused";
        case EHOSTUNREACH: return "No route to host";
        case EALREADY: return "Operation already in progress";
        case EINPROGRESS: return "Operation now in progress";
        case ECANCELED: return "Operation canceled";
        case EBUSY: return "Device or resource busy";
        case ESOCKTNOSUPPORT: return "Socket type not supported";
        case EHOSTDOWN: return "Host is down";
        case ENONET: return "Machine is not on the network";
        default: return std::strerror(error);
    }
}

std::string resolve_error_text(ResolveError error) {
    switch (error) {
        case ResolveError::None: return "Success";
        case ResolveError::NotFound: return "Name or service not known";
        case ResolveError::TryAgain: return "Temporary failure in name resolution";
        case ResolveError::BadFlags: return "Bad value for ai_flags";
        case ResolveError::BadFamily: return "ai_family not supported";
        case ResolveError::BadSocktype: return "ai_socktype not supported";
        case ResolveError::BadService: return "Servname not supported for ai_socktype";
        case ResolveError::Memory: return "Memory allocation failure";
        case ResolveError::Failed: return "Non-recoverable failure in name resolution";
    }
    return "Unknown error";
}

}  // namespace lsock
