// A simulated unix datagram socket: datagrams to a path in the host's
// namespace, delivered at once, never lost; a full receiver makes the sender
// wait (EAGAIN), as on Linux.
#pragma once

#include <deque>
#include <memory>
#include <vector>
#include <string>

#include "sim/sim_socket.hpp"

namespace lsock::sim {

class UnixDatagramSocket final : public SimSocket {
public:
    explicit UnixDatagramSocket(SimHost& host);

    int bind(const Address& address) override;
    int connect(const Address& address) override;
    IoResult send(const void* data, std::size_t size) override;
    IoResult send_to(const void* data, std::size_t size, const Address& to) override;
    IoResult receive(void* buffer, std::size_t size) override;
    IoResult receive_from(void* buffer, std::size_t size, Address* from) override;
    int shutdown(ShutdownHow how) override;
    int local_address(Address* out) override;
    int peer_address(Address* out) override;
    void close() override;
    unsigned poll() const override;

    bool is_closed() const { return closed_; }
    bool queue_full() const;
    // A sender that met a full queue here hears when room comes (its poll
    // reports writable only then, so a waiting writer does not spin).
    void add_blocked_sender(const std::shared_ptr<UnixDatagramSocket>& sender);
    bool accepts_from(const std::string& sender_path) const;
    void enqueue(std::string data, std::string from_path);

private:
    struct Datagram {
        std::string data;
        std::string from;
    };

    bool closed_ = false;
    bool read_shut_ = false;
    bool write_shut_ = false;
    std::string path_;
    std::string peer_path_;
    bool connected_ = false;
    std::deque<Datagram> queue_;
    std::weak_ptr<UnixDatagramSocket> blocked_on_;  // the full receiver of our last send
    std::vector<std::weak_ptr<UnixDatagramSocket>> blocked_senders_;
    void release_blocked_senders();
};

// Finds the live socket bound to a unix path: ENOENT if no such path,
// ECONNREFUSED if the socket there is gone, EPROTOTYPE for the wrong type.
int find_unix_socket(SimHost& host, const std::string& path, SocketType type, std::shared_ptr<SimSocket>* out);
// Binds a path: EADDRINUSE if it exists, EINVAL for an empty path.
int bind_unix_path(SimHost& host, const std::string& path, const std::shared_ptr<SimSocket>& socket);

}  // namespace lsock::sim
