// A simulated unix stream socket: a path in the host's namespace, a backlog,
// and a connected pair of byte queues with no network in between (connect
// completes at once, data is readable at once, as on Linux).
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "sim/byte_queue.hpp"
#include "sim/sim_socket.hpp"

namespace lsock::sim {

class UnixStreamSocket final : public SimSocket {
public:
    explicit UnixStreamSocket(SimHost& host);

    int bind(const Address& address) override;
    int listen(int backlog) override;
    int connect(const Address& address) override;
    int finish_connect() override;
    int accept(std::shared_ptr<SimSocket>* out, Address* peer) override;
    IoResult send(const void* data, std::size_t size) override;
    IoResult send_to(const void* data, std::size_t size, const Address& to) override;
    IoResult receive(void* buffer, std::size_t size) override;
    int shutdown(ShutdownHow how) override;
    int local_address(Address* out) override;
    int peer_address(Address* out) override;
    void close() override;
    unsigned poll() const override;

    bool listening() const { return state_ == State::Listening; }

private:
    enum class State { Fresh, Listening, Connected, Closed };
    std::shared_ptr<UnixStreamSocket> peer() const { return peer_.lock(); }
    std::size_t room_at_peer() const;
    // The peer closed: EOF from now on, ECONNRESET first if it left our data unread.
    void on_peer_closed(bool unread_data);

    State state_ = State::Fresh;
    std::string path_;
    std::string peer_path_;
    std::weak_ptr<UnixStreamSocket> peer_;
    bool peer_gone_ = false;
    ByteQueue incoming_;
    bool peer_shut_write_ = false;  // EOF after the incoming bytes
    bool write_shut_ = false;
    bool read_shut_ = false;
    int backlog_ = 0;
    std::deque<std::shared_ptr<UnixStreamSocket>> accept_queue_;
};

}  // namespace lsock::sim
