// lsock::errno_text and resolve_error_text give glibc's words: on Linux,
// where glibc is the C library, every entry equals strerror/gai_strerror.

#include <catch2/catch.hpp>

#include <netdb.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lsock/error_text.hpp"

using namespace lsock;

TEST_CASE("errno_text matches glibc's strerror for every socket errno value") {
    const int values[] = {0,          EPERM,        EINTR,        EIO,          EBADF,        EAGAIN,
                          ENOMEM,     EACCES,       EFAULT,       EINVAL,       EMFILE,       EPIPE,
                          ENAMETOOLONG, ENOSYS,     ELOOP,        ENOTSOCK,     EDESTADDRREQ, EMSGSIZE,
                          EPROTOTYPE, ENOPROTOOPT,  EPROTONOSUPPORT, ESOCKTNOSUPPORT, EOPNOTSUPP, ENOTSUP,
                          EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, ENETDOWN,    ENETUNREACH,  ENETRESET,
                          ECONNABORTED, ECONNRESET, ENOBUFS,      EISCONN,      ENOTCONN,     ETIMEDOUT,
                          ECONNREFUSED, EHOSTDOWN,  EHOSTUNREACH, EALREADY,     EINPROGRESS,  ECANCELED,
                          EBUSY,      ENONET,       ENOENT,       12345};
    for (int value : values) {
        CAPTURE(value);
        // Copied before errno_text runs: glibc frees the text of an unknown
        // value on the next strerror call.
        std::string expected = std::strerror(value);
        CHECK(errno_text(value) == expected);
    }
}

TEST_CASE("resolve_error_text matches glibc's gai_strerror") {
    CHECK(resolve_error_text(ResolveError::NotFound) == gai_strerror(EAI_NONAME));
    CHECK(resolve_error_text(ResolveError::TryAgain) == gai_strerror(EAI_AGAIN));
    CHECK(resolve_error_text(ResolveError::BadFlags) == gai_strerror(EAI_BADFLAGS));
    CHECK(resolve_error_text(ResolveError::BadFamily) == gai_strerror(EAI_FAMILY));
    CHECK(resolve_error_text(ResolveError::BadSocktype) == gai_strerror(EAI_SOCKTYPE));
    CHECK(resolve_error_text(ResolveError::BadService) == gai_strerror(EAI_SERVICE));
    CHECK(resolve_error_text(ResolveError::Memory) == gai_strerror(EAI_MEMORY));
    CHECK(resolve_error_text(ResolveError::Failed) == gai_strerror(EAI_FAIL));
}
