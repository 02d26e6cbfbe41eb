// Which Linux release runs here, for features that the kernel does not let
// a program probe without using them (multishot receives, incrementally
// consumed provided buffers). Header-only: the poller and its specs ask.
#pragma once

#include <sys/utsname.h>

#include <cstdio>

namespace lsock::posix {

// Is the running kernel `major.minor` or later? False when uname(2) or its
// release string says nothing readable.
inline bool linux_release_at_least(int major, int minor) {
    utsname name;
    int running_major = 0, running_minor = 0;
    if (::uname(&name) != 0 || std::sscanf(name.release, "%d.%d", &running_major, &running_minor) != 2) return false;
    return running_major > major || (running_major == major && running_minor >= minor);
}

}  // namespace lsock::posix
