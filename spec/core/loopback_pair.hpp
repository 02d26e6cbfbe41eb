// A connected TCP pair on 127.0.0.1 through the real kernel's Os, for the
// tests of pollers (which need descriptors that really become ready).
#pragma once

#include <catch2/catch.hpp>

#include <cstring>

#include "lsock/os.hpp"

namespace lsock::test {

struct LoopbackPair {
    Os& os = system_os();
    Fd client = kNoFd;
    Fd server = kNoFd;

    LoopbackPair() {
        Fd listener = kNoFd;
        REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &listener) == 0);
        REQUIRE(os.bind(listener, Address::loopback(Family::Inet, 0)) == 0);
        REQUIRE(os.listen(listener, 4) == 0);
        Address bound;
        REQUIRE(os.local_address(listener, &bound) == 0);
        REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &client) == 0);
        int error = os.connect(client, bound);
        REQUIRE((error == 0 || error == EINPROGRESS));
        PollItem item{listener, kReadable, 0};
        REQUIRE(os.wait(&item, 1, os.now() + 5) == 0);
        REQUIRE(os.accept(listener, &server, nullptr) == 0);
        os.close(listener);
    }
    ~LoopbackPair() {
        os.close(client);
        os.close(server);
    }
    LoopbackPair(const LoopbackPair&) = delete;
    LoopbackPair& operator=(const LoopbackPair&) = delete;

    void send_to_server(const char* text) { REQUIRE(os.send(client, text, std::strlen(text)).ok()); }
};

}  // namespace lsock::test
