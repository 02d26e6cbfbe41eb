// Which poller the `sock` loop gets on Linux, chosen at run time: io_uring
// when the build has liburing and the kernel runs it, epoll otherwise.
// LSOCK_POLLER=epoll or LSOCK_POLLER=io_uring in the environment forces
// one (the tests run the same specs on each); a forced io_uring that the
// build or the kernel cannot give fails (ENOTSUP) rather than quietly
// running on epoll, and any other value fails with EINVAL, so that a test
// labelled for one poller never runs on the other.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "posix/linux/epoll_poller.hpp"
#include "posix/posix_os.hpp"
#ifdef LSOCK_HAVE_LIBURING
#include "posix/linux/uring_poller.hpp"
#endif

namespace lsock::posix {

namespace {

enum class Choice { Epoll, Uring, Bad };

Choice choose() {
    const char* forced = std::getenv("LSOCK_POLLER");
    if (forced && std::strcmp(forced, "epoll") == 0) return Choice::Epoll;
    if (forced && std::strcmp(forced, "io_uring") == 0) return Choice::Uring;
    if (forced && *forced) return Choice::Bad;
#ifdef LSOCK_HAVE_LIBURING
    return UringPoller::available() ? Choice::Uring : Choice::Epoll;
#else
    return Choice::Epoll;
#endif
}

}  // namespace

int PosixOs::open_poller(Fd shared, std::unique_ptr<Poller>* out) {
    switch (choose()) {
        case Choice::Epoll:
            return EpollPoller::open(shared, out);
        case Choice::Uring:
#ifdef LSOCK_HAVE_LIBURING
            return UringPoller::open(shared, out);
#else
            return ENOTSUP;
#endif
        case Choice::Bad:
            break;
    }
    return EINVAL;
}

}  // namespace lsock::posix
