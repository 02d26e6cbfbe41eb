// What the io_uring specs (uring_poller_spec.cpp, uring_send_spec.cpp)
// share: a ring opened directly whatever LSOCK_POLLER says, and whether a
// case can run. Where the kernel refuses rings a case is reported as not
// run (not_run.hpp), or fails when io_uring was asked for
// (LSOCK_POLLER=io_uring), since then rings were promised.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "lsock/poller.hpp"
#include "not_run.hpp"
#include "posix/linux/uring_poller.hpp"

namespace lsock::test {

inline std::unique_ptr<Poller> open_ring(Fd shared = kNoFd) {
    std::unique_ptr<Poller> poller;
    REQUIRE(posix::UringPoller::open(shared, &poller) == 0);
    REQUIRE(poller);
    return poller;
}

inline bool env_is(const char* name, const char* value) {
    const char* set = std::getenv(name);
    return set && std::strcmp(set, value) == 0;
}

// LSOCK_TEST_NO_RINGS=1 is a switch of these tests only: it makes a kernel
// that has rings look as if it refused them, to show what a ring-less
// machine reports.
inline bool pretending_no_rings() { return env_is("LSOCK_TEST_NO_RINGS", "1"); }

inline bool kernel_has_rings() { return !pretending_no_rings() && posix::UringPoller::available(); }

// Whether the case can run. Without rings it fails where io_uring was asked
// for and is otherwise reported as not run; the case returns on false.
inline bool rings_or_not_run() {
    if (kernel_has_rings()) return true;
    std::string why = pretending_no_rings() ? "io_uring refused (pretended: LSOCK_TEST_NO_RINGS=1)"
                                            : "io_uring refused by this kernel";
    if (env_is("LSOCK_POLLER", "io_uring")) FAIL(why << ", but LSOCK_POLLER=io_uring asks for it");
    test::report_not_run(why);
    return false;
}

}  // namespace lsock::test
