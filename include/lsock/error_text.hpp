// The texts a script reads for an errno value and for a lookup failure,
// in glibc's words, the same on every kernel.
//
// The real kernel on Linux gets them from glibc (strerror, gai_strerror);
// the simulated kernel and the Windows backend, whose C runtime has no text
// for the socket errno values ("Unknown error"), take them from here, so a
// script sees "Connection refused" whatever it runs on.
#pragma once

#include <string>

#include "lsock/os.hpp"

namespace lsock {

// glibc's strerror text for the errno values sockets report; the C
// library's own text for any other value.
std::string errno_text(int error);
// glibc's gai_strerror text for a lookup failure.
std::string resolve_error_text(ResolveError error);

}  // namespace lsock
