// SocketBase: the per-call deadline on the Os clock, the one descriptor and
// its single close, the family chosen late, and options remembered before
// the descriptor exists and replayed on every new one.
#include <catch2/catch.hpp>

#include <cerrno>
#include <vector>

#include "core/socket_base.hpp"
#include "core/step.hpp"
#include "fake_os.hpp"
#include "step_text.hpp"

using lsock::Address;
using lsock::Family;
using lsock::kErrorClosed;
using lsock::kNoDeadline;
using lsock::kNoFd;
using lsock::ShutdownHow;
using lsock::SocketBase;
using lsock::SocketOption;
using lsock::SocketType;
using lsock::test::error_name;
using lsock::test::FakeOs;

namespace {

struct Opt {
    SocketOption option;
    int value;
    bool operator==(const Opt& other) const { return option == other.option && value == other.value; }
};

std::ostream& operator<<(std::ostream& out, const Opt& opt) { return out << int(opt.option) << '=' << opt.value; }

// The options the Os saw on one descriptor, in order.
std::vector<Opt> options_on(const FakeOs& os, lsock::Fd fd) {
    std::vector<Opt> seen;
    for (const FakeOs::OptionCall& call : os.options)
        if (call.fd == fd) seen.push_back({call.option, call.value});
    return seen;
}

using Opts = std::vector<Opt>;

}  // namespace

// --- deadlines ------------------------------------------------------------------

TEST_CASE("a new socket blocks without a deadline", "[socket_base][deadline]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    CHECK(socket.timeout() == -1);
    CHECK(socket.call_deadline() == kNoDeadline);
}

TEST_CASE("call_deadline with timeout -1 never expires, whatever the clock says", "[socket_base][deadline]") {
    FakeOs os;
    os.clock = 1e9;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    socket.set_timeout(-1);
    CHECK(socket.call_deadline() == kNoDeadline);
}

TEST_CASE("any negative timeout means block and reads back as -1", "[socket_base][deadline]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    socket.set_timeout(-0.5);
    CHECK(socket.timeout() == -1);
    CHECK(socket.call_deadline() == kNoDeadline);
    socket.set_timeout(-1e300);
    CHECK(socket.timeout() == -1);
}

TEST_CASE("call_deadline with timeout 0 is the current time", "[socket_base][deadline]") {
    FakeOs os;
    os.clock = 100.25;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    socket.set_timeout(0);
    CHECK(socket.timeout() == 0);
    CHECK(socket.call_deadline() == 100.25);
}

TEST_CASE("call_deadline with a positive timeout is the clock plus the timeout", "[socket_base][deadline]") {
    FakeOs os;
    os.clock = 100;
    SocketBase socket(os, SocketType::Datagram, Family::Inet);
    socket.set_timeout(2.5);
    CHECK(socket.call_deadline() == Approx(102.5));
}

TEST_CASE("call_deadline is taken afresh for each call from the Os clock", "[socket_base][deadline]") {
    FakeOs os;
    os.clock = 100;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    socket.set_timeout(1.5);
    double first = socket.call_deadline();
    os.clock = 250;
    double second = socket.call_deadline();
    CHECK(first == Approx(101.5));
    CHECK(second == Approx(251.5));
    CHECK(os.calls_to("now") == 2);
}

TEST_CASE("a socket without a deadline never reads the clock", "[socket_base][deadline]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    socket.call_deadline();
    CHECK(os.calls_to("now") == 0);
}

// --- the descriptor ---------------------------------------------------------------

TEST_CASE("a socket makes no descriptor until it is opened", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    CHECK(socket.fd() == kNoFd);
    CHECK(os.opens.empty());
    CHECK_FALSE(socket.closed());
}

TEST_CASE("open makes a descriptor of the socket's type and family", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Datagram, Family::Inet6);
    CHECK(socket.open(Family::Inet6) == 0);
    REQUIRE(os.opens.size() == 1);
    CHECK(os.opens[0].family == Family::Inet6);
    CHECK(os.opens[0].type == SocketType::Datagram);
    CHECK(socket.fd() == os.opens[0].fd);
    CHECK(socket.family() == Family::Inet6);
}

TEST_CASE("open of an open socket in the same family makes nothing new", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    REQUIRE(socket.open(Family::Inet) == 0);
    CHECK(socket.open(Family::Inet) == 0);
    CHECK(socket.open(Family::Unspec) == 0);
    CHECK(os.opens.size() == 1);
}

TEST_CASE("open in another family than the socket's fails with EAFNOSUPPORT", "[socket_base][open]") {
    FakeOs os;
    SocketBase fixed(os, SocketType::Stream, Family::Inet);
    CHECK(error_name(fixed.open(Family::Inet6)) == "EAFNOSUPPORT");
    CHECK(os.opens.empty());
    SocketBase opened(os, SocketType::Stream, Family::Unspec);
    REQUIRE(opened.open(Family::Inet6) == 0);
    CHECK(error_name(opened.open(Family::Inet)) == "EAFNOSUPPORT");
    CHECK(opened.family() == Family::Inet6);
}

TEST_CASE("a socket of unspecified family takes the family of its first open", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    CHECK(socket.family() == Family::Unspec);
    CHECK(socket.open(Family::Inet6) == 0);
    CHECK(socket.family() == Family::Inet6);
}

TEST_CASE("a failed open leaves no descriptor and can be retried", "[socket_base][open]") {
    FakeOs os;
    os.open_results = {EMFILE};
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    CHECK(error_name(socket.open(Family::Inet)) == "EMFILE");
    CHECK(socket.fd() == kNoFd);
    CHECK(socket.open(Family::Inet) == 0);
    CHECK(socket.fd() != kNoFd);
}

TEST_CASE("close closes the descriptor exactly once", "[socket_base][close]") {
    FakeOs os;
    lsock::Fd fd;
    {
        SocketBase socket(os, SocketType::Stream, Family::Inet);
        REQUIRE(socket.open(Family::Inet) == 0);
        fd = socket.fd();
        socket.close();
        CHECK(socket.closed());
        CHECK(socket.fd() == kNoFd);
        socket.close();
    }  // and the destructor does not close it again
    CHECK(os.closes == std::vector<lsock::Fd>{fd});
    CHECK(os.bad_fd_calls == 0);
}

TEST_CASE("the destructor closes an open descriptor", "[socket_base][close]") {
    FakeOs os;
    {
        SocketBase socket(os, SocketType::Stream, Family::Inet);
        REQUIRE(socket.open(Family::Inet) == 0);
    }
    CHECK(os.closes.size() == 1);
    CHECK(os.open_count() == 0);
}

TEST_CASE("closing a socket that never opened closes nothing", "[socket_base][close]") {
    FakeOs os;
    {
        SocketBase socket(os, SocketType::Stream, Family::Inet);
        socket.close();
        CHECK(socket.closed());
    }
    CHECK(os.closes.empty());
}

TEST_CASE("an adopted descriptor belongs to the socket and is closed with it", "[socket_base][close]") {
    FakeOs os;
    lsock::Fd fd = kNoFd;
    REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &fd) == 0);
    {
        SocketBase socket(os, SocketType::Stream, Family::Inet, fd);
        CHECK(socket.fd() == fd);
        CHECK(error_name(socket.open(Family::Inet6)) == "EAFNOSUPPORT");
    }
    CHECK(os.closes == std::vector<lsock::Fd>{fd});
}

TEST_CASE("a closed socket refuses every call with kErrorClosed", "[socket_base][close]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    REQUIRE(socket.open(Family::Inet) == 0);
    socket.close();
    int value = 0;
    Address address;
    CHECK(socket.open(Family::Inet) == kErrorClosed);
    CHECK(socket.reopen(Family::Inet) == kErrorClosed);
    CHECK(socket.bind(Address::any(Family::Inet, 0)) == kErrorClosed);
    CHECK(socket.shutdown(ShutdownHow::Both) == kErrorClosed);
    CHECK(socket.set_option(SocketOption::ReuseAddr, 1) == kErrorClosed);
    CHECK(socket.get_option(SocketOption::ReuseAddr, &value) == kErrorClosed);
    CHECK(socket.local_address(&address) == kErrorClosed);
    CHECK(socket.peer_address(&address) == kErrorClosed);
    CHECK(os.opens.size() == 1);
    CHECK(os.bad_fd_calls == 0);
}

TEST_CASE("calls that need a descriptor fail with ENOTCONN before the socket opens", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    Address address;
    CHECK(error_name(socket.shutdown(ShutdownHow::Write)) == "ENOTCONN");
    CHECK(error_name(socket.local_address(&address)) == "ENOTCONN");
    CHECK(error_name(socket.peer_address(&address)) == "ENOTCONN");
    CHECK(os.opens.empty());
}

TEST_CASE("bind opens the socket in the address's family and binds it", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    Address address = *Address::parse_ip("::1", 8080);
    CHECK(socket.bind(address) == 0);
    CHECK(socket.family() == Family::Inet6);
    REQUIRE(os.binds.size() == 1);
    CHECK(os.binds[0].fd == socket.fd());
    CHECK(os.binds[0].address == address);
}

TEST_CASE("bind to another family than the socket's fails without binding", "[socket_base][open]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    CHECK(error_name(socket.bind(Address::any(Family::Inet6, 0))) == "EAFNOSUPPORT");
    CHECK(os.binds.empty());
}

// --- options -----------------------------------------------------------------------

TEST_CASE("options set before open are replayed on open in order", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    CHECK(socket.set_option(SocketOption::ReuseAddr, 1) == 0);
    CHECK(socket.set_option(SocketOption::SendBuffer, 8192) == 0);
    CHECK(socket.set_option(SocketOption::NoDelay, 1) == 0);
    CHECK(os.options.empty());  // nothing to set them on yet
    REQUIRE(socket.open(Family::Inet) == 0);
    CHECK(options_on(os, socket.fd()) ==
          Opts{{SocketOption::ReuseAddr, 1}, {SocketOption::SendBuffer, 8192}, {SocketOption::NoDelay, 1}});
}

TEST_CASE("get_option before open reads the last value set", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    int value = -1;  // the caller's default, kept while nothing was set
    CHECK(socket.get_option(SocketOption::KeepAlive, &value) == 0);
    CHECK(value == -1);
    socket.set_option(SocketOption::KeepAlive, 1);
    socket.set_option(SocketOption::ReceiveBuffer, 100);
    socket.set_option(SocketOption::ReceiveBuffer, 200);
    CHECK(socket.get_option(SocketOption::ReceiveBuffer, &value) == 0);
    CHECK(value == 200);
    CHECK(socket.get_option(SocketOption::KeepAlive, &value) == 0);
    CHECK(value == 1);
    CHECK(os.calls_to("get_option") == 0);
}

TEST_CASE("get_option after open asks the Os", "[socket_base][options]") {
    FakeOs os;
    os.option_values[SocketOption::SendBuffer] = 212992;  // what a kernel doubles 106496 to
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    REQUIRE(socket.open(Family::Inet) == 0);
    int value = 0;
    CHECK(socket.get_option(SocketOption::SendBuffer, &value) == 0);
    CHECK(value == 212992);
}

TEST_CASE("set_option on an open socket applies at once and only once", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    REQUIRE(socket.open(Family::Inet) == 0);
    CHECK(socket.set_option(SocketOption::KeepAlive, 1) == 0);
    CHECK(options_on(os, socket.fd()) == Opts{{SocketOption::KeepAlive, 1}});
}

TEST_CASE("set_option returns the Os's error and does not replay the refused option", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    REQUIRE(socket.open(Family::Inet) == 0);
    os.option_errors[SocketOption::Broadcast] = EINVAL;
    CHECK(error_name(socket.set_option(SocketOption::Broadcast, 1)) == "EINVAL");
    os.option_errors.clear();
    REQUIRE(socket.reopen(Family::Inet) == 0);
    CHECK(options_on(os, socket.fd()).empty());
}

TEST_CASE("options set before open on a unix socket skip the TCP-only ones", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    socket.set_option(SocketOption::NoDelay, 1);
    socket.set_option(SocketOption::SendBuffer, 4096);
    socket.set_option(SocketOption::KeepAlive, 1);
    REQUIRE(socket.open(Family::Unix) == 0);
    CHECK(options_on(os, socket.fd()) == Opts{{SocketOption::SendBuffer, 4096}});
}

TEST_CASE("an option the Os refuses on open does not stop the others", "[socket_base][options]") {
    FakeOs os;
    os.option_errors[SocketOption::ReusePort] = ENOPROTOOPT;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    socket.set_option(SocketOption::ReusePort, 1);
    socket.set_option(SocketOption::ReuseAddr, 1);
    CHECK(socket.open(Family::Inet) == 0);
    CHECK(options_on(os, socket.fd()) == Opts{{SocketOption::ReuseAddr, 1}});
}

TEST_CASE("options are replayed on reopen, those set before and after the first open", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    socket.set_option(SocketOption::ReuseAddr, 1);
    REQUIRE(socket.open(Family::Inet6) == 0);
    lsock::Fd first = socket.fd();
    socket.set_option(SocketOption::NoDelay, 1);

    CHECK(socket.reopen(Family::Inet) == 0);

    CHECK(socket.fd() != first);
    CHECK(socket.family() == Family::Inet);
    CHECK(os.closes == std::vector<lsock::Fd>{first});
    CHECK(options_on(os, socket.fd()) == Opts{{SocketOption::ReuseAddr, 1}, {SocketOption::NoDelay, 1}});
    CHECK(os.open_count() == 1);
}

TEST_CASE("reopen keeps a family the caller fixed", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Inet);
    REQUIRE(socket.open(Family::Inet) == 0);
    lsock::Fd first = socket.fd();
    CHECK(error_name(socket.reopen(Family::Inet6)) == "EAFNOSUPPORT");
    CHECK(socket.fd() == first);  // the old descriptor is still there
    CHECK(os.closes.empty());
    CHECK(socket.reopen(Family::Inet) == 0);
    CHECK(socket.fd() != first);
    CHECK(os.closes == std::vector<lsock::Fd>{first});
}

TEST_CASE("reopen of a socket that never opened just opens it", "[socket_base][options]") {
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    socket.set_option(SocketOption::KeepAlive, 1);
    CHECK(socket.reopen(Family::Inet) == 0);
    CHECK(os.closes.empty());
    CHECK(options_on(os, socket.fd()) == Opts{{SocketOption::KeepAlive, 1}});
}

TEST_CASE("an option set many times is remembered once with its last value", "[socket_base][options]") {
    // Regression, fixed (was src/core/socket_base.cpp:72, SocketBase::set_option): every call
    // appends to options_, also when the descriptor exists, so a program that
    // toggles tcp_nodelay per message grows the vector without bound and a
    // reopen replays every toggle (here 1000 set_option calls instead of 1).
    FakeOs os;
    SocketBase socket(os, SocketType::Stream, Family::Unspec);
    REQUIRE(socket.open(Family::Inet) == 0);
    for (int i = 0; i < 1000; ++i) REQUIRE(socket.set_option(SocketOption::NoDelay, i % 2) == 0);
    REQUIRE(socket.reopen(Family::Inet) == 0);
    Opts replayed = options_on(os, socket.fd());
    CHECK(replayed.size() == 1);
    REQUIRE_FALSE(replayed.empty());
    CHECK(replayed.back() == Opt{SocketOption::NoDelay, 1});
}
