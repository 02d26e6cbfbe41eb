// DatagramSocket: one message per call, a default peer from connect, and
// sends that need a destination.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "core/datagram_socket.hpp"
#include "fake_os.hpp"
#include "step_text.hpp"

using lsock::Address;
using lsock::DatagramSocket;
using lsock::Family;
using lsock::kErrorClosed;
using lsock::kNoFd;
using lsock::kReadable;
using lsock::kWritable;
using lsock::test::blocked;
using lsock::test::done;
using lsock::test::failed;
using lsock::test::FakeOs;
using lsock::test::text;

namespace {
const Address kPeer = Address::inet({10, 0, 0, 3}, 5353);
}

TEST_CASE("datagram send without a peer fails with EDESTADDRREQ", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    CHECK(text(socket.send("ping", 4)) == failed(EDESTADDRREQ));
    CHECK(os.calls_to("send") == 0);
    CHECK(os.opens.empty());
}

TEST_CASE("datagram send after close fails with kErrorClosed", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.connect(kPeer) == 0);
    socket.close();
    CHECK(text(socket.send("ping", 4)) == failed(kErrorClosed));
    CHECK(text(socket.send_to("ping", 4, kPeer)) == failed(kErrorClosed));
    CHECK(os.calls_to("send") == 0);
    CHECK(os.calls_to("send_to") == 0);
}

TEST_CASE("datagram connect opens the socket and sets the default peer", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Unspec);
    CHECK(socket.connect(kPeer) == 0);
    REQUIRE(os.opens.size() == 1);
    CHECK(os.opens[0].family == Family::Inet);
    CHECK(os.opens[0].type == lsock::SocketType::Datagram);
    REQUIRE(os.connects.size() == 1);
    CHECK(os.connects[0].address == kPeer);
    CHECK(text(socket.send("ping", 4)) == done());
    CHECK(os.sent == "ping");
}

TEST_CASE("datagram connect returns the Os's error", "[datagram][send]") {
    FakeOs os;
    os.connect_results = {ENETUNREACH};
    DatagramSocket socket(os, Family::Inet);
    CHECK(socket.connect(kPeer) == ENETUNREACH);
}

TEST_CASE("datagram send_to opens the socket in the destination's family", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Unspec);
    Address to = *Address::parse_ip("2001:db8::5", 53);
    CHECK(text(socket.send_to("query", 5, to)) == done());
    REQUIRE(os.opens.size() == 1);
    CHECK(os.opens[0].family == Family::Inet6);
    REQUIRE(os.send_tos.size() == 1);
    CHECK(os.send_tos[0].address == to);
    CHECK(os.send_tos[0].fd == socket.fd());
    CHECK(os.sent == "query");
}

TEST_CASE("datagram send_to another family than the socket's fails with EAFNOSUPPORT", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    CHECK(text(socket.send_to("x", 1, *Address::parse_ip("::1", 53))) == failed(EAFNOSUPPORT));
    CHECK(os.calls_to("send_to") == 0);
}

TEST_CASE("datagram send with a full send buffer blocks for writable", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.connect(kPeer) == 0);
    os.script_send_error(EAGAIN);
    os.script_send_error(EAGAIN);
    CHECK(text(socket.send("ping", 4)) == blocked(kWritable));
    CHECK(text(socket.send_to("ping", 4, kPeer)) == blocked(kWritable));
}

TEST_CASE("datagram send too big fails with EMSGSIZE", "[datagram][send]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.connect(kPeer) == 0);
    os.script_send_error(EMSGSIZE);
    CHECK(text(socket.send("x", 1)) == failed(EMSGSIZE));
}

TEST_CASE("datagram receive takes one message and its sender", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.bind(Address::any(Family::Inet, 0)) == 0);
    os.script_datagram("first", kPeer);
    os.script_datagram("second", kPeer);
    char buffer[64];
    std::size_t received = 0;
    Address from;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, &from)) == done());
    CHECK(std::string(buffer, received) == "first");
    CHECK(from == kPeer);
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == done());
    CHECK(std::string(buffer, received) == "second");
}

TEST_CASE("datagram receive truncates a message to the buffer", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.bind(Address::any(Family::Inet, 0)) == 0);
    os.script_datagram("hello world", kPeer);
    char buffer[5];
    std::size_t received = 0;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == done());
    CHECK(std::string(buffer, received) == "hello");
    CHECK(os.receive_sizes.at(0) == 5);
}

TEST_CASE("datagram receive of an empty message is done with zero bytes", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.bind(Address::any(Family::Inet, 0)) == 0);
    os.script_datagram("", kPeer);
    char buffer[8];
    std::size_t received = 99;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == done());
    CHECK(received == 0);
}

TEST_CASE("datagram receive with nothing queued blocks for readable", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.bind(Address::any(Family::Inet, 0)) == 0);
    char buffer[8];
    std::size_t received = 0;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == blocked(kReadable));
}

TEST_CASE("datagram receive retries after EINTR", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.bind(Address::any(Family::Inet, 0)) == 0);
    os.script_receive_error(EINTR);
    os.script_datagram("x", kPeer);
    char buffer[8];
    std::size_t received = 0;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == done());
    CHECK(received == 1);
}

TEST_CASE("datagram receive reports a refused earlier send", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    REQUIRE(socket.connect(kPeer) == 0);
    os.script_receive_error(ECONNREFUSED);
    char buffer[8];
    std::size_t received = 0;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == failed(ECONNREFUSED));
}

TEST_CASE("datagram receive before the socket exists fails without asking the Os", "[datagram][receive]") {
    FakeOs os;
    DatagramSocket socket(os, Family::Inet);
    char buffer[8];
    std::size_t received = 0;
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == failed(ENOTCONN));
    socket.close();
    CHECK(text(socket.receive(buffer, sizeof buffer, &received, nullptr)) == failed(kErrorClosed));
    CHECK(os.calls_to("receive_from") == 0);
    CHECK(socket.fd() == kNoFd);
}
