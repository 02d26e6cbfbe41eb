#include "core/datagram_socket.hpp"

#include <cerrno>

namespace lsock {

namespace {
Step step_for(const IoResult& r) {
    if (r.error == EAGAIN || r.error == EWOULDBLOCK) return Step::blocked(kWritable);
    return r.ok() ? Step::done() : Step::failed(r.error);
}
}  // namespace

int DatagramSocket::connect(const Address& address) {
    if (int error = open(address.family)) return error;
    return os().connect(fd(), address);
}

Step DatagramSocket::send(const char* data, std::size_t size) {
    if (int error = has_descriptor()) return Step::failed(error == ENOTCONN ? EDESTADDRREQ : error);
    return step_for(os().send(fd(), data, size));
}

Step DatagramSocket::send_to(const char* data, std::size_t size, const Address& to) {
    if (int error = open(to.family)) return Step::failed(error);
    return step_for(os().send_to(fd(), data, size, to));
}

Step DatagramSocket::receive(char* buffer, std::size_t capacity, std::size_t* received, Address* from) {
    if (int error = has_descriptor()) return Step::failed(error);
    for (;;) {
        IoResult r = os().receive_from(fd(), buffer, capacity, from);
        if (r.error == EINTR) continue;
        if (r.error == EAGAIN || r.error == EWOULDBLOCK) return Step::blocked(kReadable);
        if (!r.ok()) return Step::failed(r.error);
        *received = r.bytes;
        return Step::done();
    }
}

}  // namespace lsock
