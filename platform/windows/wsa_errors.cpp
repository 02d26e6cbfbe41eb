#include "windows/wsa_errors.hpp"

#include <winsock2.h>

#include <cerrno>
#include "lsock/os.hpp"  // the errno values Windows lacks

namespace lsock::windows {

int errno_of_wsa(int wsa_error) {
    switch (wsa_error) {
        case 0: return 0;
        // WSAEWOULDBLOCK is Winsock's EAGAIN; the seam speaks EAGAIN (mingw's
        // EWOULDBLOCK is a different number).
        case WSAEWOULDBLOCK: return EAGAIN;
        case WSAEINPROGRESS: return EINPROGRESS;
        case WSAEALREADY: return EALREADY;
        case WSAENOTSOCK: return ENOTSOCK;
        case WSAEDESTADDRREQ: return EDESTADDRREQ;
        case WSAEMSGSIZE: return EMSGSIZE;
        case WSAEPROTOTYPE: return EPROTOTYPE;
        case WSAENOPROTOOPT: return ENOPROTOOPT;
        case WSAEPROTONOSUPPORT: return EPROTONOSUPPORT;
        case WSAESOCKTNOSUPPORT: return ESOCKTNOSUPPORT;
        case WSAEOPNOTSUPP: return EOPNOTSUPP;
        case WSAEPFNOSUPPORT: return EAFNOSUPPORT;
        case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
        case WSAEADDRINUSE: return EADDRINUSE;
        case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
        case WSAENETDOWN: return ENETDOWN;
        case WSAENETUNREACH: return ENETUNREACH;
        case WSAENETRESET: return ENETRESET;
        case WSAECONNABORTED: return ECONNABORTED;
        case WSAECONNRESET: return ECONNRESET;
        case WSAENOBUFS: return ENOBUFS;
        case WSAEISCONN: return EISCONN;
        case WSAENOTCONN: return ENOTCONN;
        // Sending after shutdown(SD_SEND): POSIX says EPIPE.
        case WSAESHUTDOWN: return EPIPE;
        case WSAETIMEDOUT: return ETIMEDOUT;
        case WSAECONNREFUSED: return ECONNREFUSED;
        case WSAELOOP: return ELOOP;
        case WSAENAMETOOLONG: return ENAMETOOLONG;
        case WSAEHOSTDOWN: return EHOSTDOWN;
        case WSAEHOSTUNREACH: return EHOSTUNREACH;
        case WSAEACCES: return EACCES;
        case WSAEFAULT: return EFAULT;
        case WSAEINVAL: return EINVAL;
        case WSAEMFILE: return EMFILE;
        case WSAEINTR: return EINTR;
        case WSAEBADF: return EBADF;
        case WSA_NOT_ENOUGH_MEMORY: return ENOMEM;
        case WSA_OPERATION_ABORTED: return ECANCELED;
        case WSANOTINITIALISED: return EINVAL;
        default: return EIO;
    }
}

int last_socket_error() { return errno_of_wsa(::WSAGetLastError()); }

}  // namespace lsock::windows
