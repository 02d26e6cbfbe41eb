// A name lookup in virtual time (Os::start_resolve of a simulated host):
// the answer is worked out when the lookup starts and handed out when the
// world's resolver would have sent it, after its latency (or its timeout,
// for a resolver that does not answer). Until then the lookup's descriptor
// is not readable, so a `sock` thread waits on it like on a socket, and the
// rest of the world runs meanwhile.
//
// With the default resolver (no latency, no faults) start_resolve makes no
// lookup at all and everything answers at once, as before lookups took time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lsock/os.hpp"
#include "sim/event_queue.hpp"
#include "sim/sim_socket.hpp"

namespace lsock::sim {

// The descriptor of a lookup in flight: readable once answered.
class LookupDescriptor final : public SimSocket {
public:
    LookupDescriptor(SimHost& host, std::string name)
        : SimSocket(host, Family::Unspec, SocketType::Any), name_(std::move(name)) {}

    // Hands out `error` and `answers` at virtual time `time`.
    void answer_at(double time, ResolveError error, std::vector<ResolvedAddress> answers);
    bool answered() const { return answered_; }
    ResolveError take(std::vector<ResolvedAddress>* out);

    int local_address(Address*) override { return ENOTSOCK; }
    int peer_address(Address*) override { return ENOTSOCK; }
    // An abandoned lookup: its answer is dropped, and its event goes so
    // that the world can be idle before the answer was due.
    void close() override;
    unsigned poll() const override { return answered_ ? unsigned(kReadable) : 0u; }

private:
    void answer();

    std::string name_;  // what was asked, for the trace
    bool answered_ = false;
    EventId event_ = kNoEvent;
    ResolveError error_ = ResolveError::None;
    std::vector<ResolvedAddress> answers_;
};

// What the caller of start_resolve holds; closes the descriptor when dropped.
class SimPendingResolve final : public PendingResolve {
public:
    SimPendingResolve(SimHost& host, Fd fd, std::shared_ptr<LookupDescriptor> lookup)
        : host_(host), fd_(fd), lookup_(std::move(lookup)) {}
    ~SimPendingResolve() override;

    Fd ready_fd() const override { return fd_; }
    bool ready() override { return lookup_->answered(); }
    ResolveError take(std::vector<ResolvedAddress>* out) override { return lookup_->take(out); }

private:
    SimHost& host_;
    Fd fd_;
    std::shared_ptr<LookupDescriptor> lookup_;
};

}  // namespace lsock::sim
