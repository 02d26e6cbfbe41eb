// Unix sockets: paths in each host's own namespace, stream and datagram.
#include "sim_harness.hpp"

using namespace simtest;

namespace {
Fd open_unix(SimHost& host, SocketType type) {
    Fd fd = kNoFd;
    REQUIRE(host.open_socket(Family::Unix, type, 0, &fd) == 0);
    return fd;
}
}  // namespace

TEST_CASE("unix stream: connect errors follow Linux (ENOENT, ECONNREFUSED, EADDRINUSE)", "[sim][unix]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    Fd c = open_unix(h, SocketType::Stream);
    REQUIRE(h.connect(c, Address::unix_path("/tmp/none.sock")) == ENOENT);
    Fd bound = open_unix(h, SocketType::Stream);
    REQUIRE(h.bind(bound, Address::unix_path("/tmp/s.sock")) == 0);
    REQUIRE(h.connect(c, Address::unix_path("/tmp/s.sock")) == ECONNREFUSED);  // bound, not listening
    Fd twice = open_unix(h, SocketType::Stream);
    REQUIRE(h.bind(twice, Address::unix_path("/tmp/s.sock")) == EADDRINUSE);
    REQUIRE(h.close(bound) == 0);
    REQUIRE(h.connect(c, Address::unix_path("/tmp/s.sock")) == ECONNREFUSED);  // the file stays
    REQUIRE(h.bind(twice, Address::unix_path("/tmp/s.sock")) == EADDRINUSE);
    REQUIRE(h.unlink("/tmp/s.sock") == 0);
    REQUIRE(h.bind(twice, Address::unix_path("/tmp/s.sock")) == 0);
    Fd dgram = open_unix(h, SocketType::Datagram);
    REQUIRE(h.bind(dgram, Address::unix_path("/tmp/d.sock")) == 0);
    REQUIRE(h.listen(twice, 4) == 0);
    Fd wrong = open_unix(h, SocketType::Stream);
    REQUIRE(h.connect(wrong, Address::unix_path("/tmp/d.sock")) == EPROTOTYPE);
}

TEST_CASE("unix: a path longer than sun_path is ENAMETOOLONG for connect and send too", "[sim][unix]") {
    // spec/parity: "unix: path too long" (connect said ENOENT).
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    std::string long_path = "/tmp/" + std::string(120, 'x');
    Fd s = open_unix(h, SocketType::Stream);
    REQUIRE(h.bind(s, Address::unix_path(long_path)) == ENAMETOOLONG);
    REQUIRE(h.connect(s, Address::unix_path(long_path)) == ENAMETOOLONG);
    Fd d = open_unix(h, SocketType::Datagram);
    REQUIRE(h.connect(d, Address::unix_path(long_path)) == ENAMETOOLONG);
    REQUIRE(h.send_to(d, "x", 1, Address::unix_path(long_path)).error == ENAMETOOLONG);
}

TEST_CASE("unix stream: echo, back-pressure, EOF after close, paths per host", "[sim][unix]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    SimHost& other = *world.add_host("other", {"10.0.0.2"});
    Fd listener = open_unix(h, SocketType::Stream);
    REQUIRE(h.bind(listener, Address::unix_path("/run/app.sock")) == 0);
    REQUIRE(h.listen(listener, 4) == 0);
    Fd stranger = open_unix(other, SocketType::Stream);
    REQUIRE(other.connect(stranger, Address::unix_path("/run/app.sock")) == ENOENT);  // another host's namespace

    Fd c = open_unix(h, SocketType::Stream);
    REQUIRE(h.connect(c, Address::unix_path("/run/app.sock")) == 0);  // at once
    REQUIRE(h.finish_connect(c) == 0);
    REQUIRE(is_ready(h, listener, kReadable));
    Fd s;
    Address peer;
    REQUIRE(h.accept(listener, &s, &peer) == 0);
    REQUIRE(peer.family == Family::Unix);
    REQUIRE(peer.path.empty());  // the client never bound
    Address seen;
    REQUIRE(h.peer_address(c, &seen) == 0);
    REQUIRE(seen.path == "/run/app.sock");

    std::string big = pattern(200000);
    IoResult r = h.send(c, big.data(), big.size());
    REQUIRE(r.ok());
    REQUIRE(r.bytes == 64 * 1024);  // partial: the buffer is full
    REQUIRE(h.send(c, big.data(), 1).error == EAGAIN);
    REQUIRE_FALSE(is_ready(h, c, kWritable));
    std::string got = read_now(h, s);
    REQUIRE(got == big.substr(0, 64 * 1024));
    REQUIRE(is_ready(h, c, kWritable));

    REQUIRE(h.send(c, "bye", 3).bytes == 3);
    REQUIRE(h.close(c) == 0);
    bool eof = false;
    REQUIRE(read_now(h, s, nullptr, &eof) == "bye");
    REQUIRE(eof);
    REQUIRE(h.send(s, "x", 1).error == EPIPE);
}

TEST_CASE("unix stream: closing with unread data resets the peer", "[sim][unix]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    Fd listener = open_unix(h, SocketType::Stream);
    REQUIRE(h.bind(listener, Address::unix_path("/s")) == 0);
    REQUIRE(h.listen(listener, 4) == 0);
    Fd c = open_unix(h, SocketType::Stream);
    REQUIRE(h.connect(c, Address::unix_path("/s")) == 0);
    Fd s;
    Address peer;
    REQUIRE(h.accept(listener, &s, &peer) == 0);
    REQUIRE(h.send(c, "unread", 6).bytes == 6);
    REQUIRE(h.close(s) == 0);
    char buffer[8];
    REQUIRE(h.receive(c, buffer, 8).error == ECONNRESET);
    REQUIRE(h.receive(c, buffer, 8).bytes == 0);
}

TEST_CASE("unix datagram: send to a path, sender's path, missing path, full queue", "[sim][unix]") {
    World world(1);
    world.config().unix_datagram_queue = 3;
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    Fd server = open_unix(h, SocketType::Datagram);
    REQUIRE(h.bind(server, Address::unix_path("/log")) == 0);
    Fd client = open_unix(h, SocketType::Datagram);
    REQUIRE(h.bind(client, Address::unix_path("/client")) == 0);
    REQUIRE(h.send_to(client, "nobody", 6, Address::unix_path("/nope")).error == ENOENT);
    REQUIRE(h.send_to(client, "hello", 5, Address::unix_path("/log")).bytes == 5);
    char buffer[3];
    Address from;
    IoResult r = h.receive_from(server, buffer, sizeof buffer, &from);
    REQUIRE(r.bytes == 3);  // truncated
    REQUIRE(std::string(buffer, 3) == "hel");
    REQUIRE(from.path == "/client");
    for (int i = 0; i < 3; ++i) REQUIRE(h.send_to(client, "x", 1, Address::unix_path("/log")).ok());
    REQUIRE(h.send_to(client, "x", 1, Address::unix_path("/log")).error == EAGAIN);
    REQUIRE_FALSE(is_ready(h, client, kWritable));  // a waiting sender does not spin
    REQUIRE(h.receive(server, buffer, sizeof buffer).ok());
    REQUIRE(is_ready(h, client, kWritable));
    REQUIRE(h.connect(client, Address::unix_path("/log")) == 0);
    REQUIRE(h.send(client, "y", 1).ok());
    REQUIRE(h.close(server) == 0);
    REQUIRE(h.send(client, "z", 1).error == ECONNREFUSED);
    std::string too_big(200 * 1024, 'b');
    REQUIRE(h.send_to(client, too_big.data(), too_big.size(), Address::unix_path("/log")).error == EMSGSIZE);
}
