#include "sim/lookup.hpp"

#include "sim/sim_host.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

void LookupDescriptor::answer_at(double time, ResolveError error, std::vector<ResolvedAddress> answers) {
    error_ = error;
    answers_ = std::move(answers);
    // A weak hold: a lookup whose host crashed, or that was abandoned and
    // collected, is answered to nobody.
    std::weak_ptr<SimSocket> self = shared_from_this();
    event_ = host_.world().at(time, [self] {
        if (auto lookup = std::static_pointer_cast<LookupDescriptor>(self.lock())) lookup->answer();
    });
}

void LookupDescriptor::answer() {
    event_ = kNoEvent;
    answered_ = true;
    host_.record("lookup", name_ + ": " + (error_ == ResolveError::None ? std::to_string(answers_.size()) + " answers"
                                                                         : NameTable::message(error_)));
    notify();
}

ResolveError LookupDescriptor::take(std::vector<ResolvedAddress>* out) {
    *out = std::move(answers_);
    answers_.clear();
    return error_;
}

void LookupDescriptor::close() {
    if (event_ != kNoEvent) host_.world().cancel(event_);
    event_ = kNoEvent;
}

SimPendingResolve::~SimPendingResolve() {
    // After a crash the descriptor is gone already (or the number reused).
    if (host_.socket_at(fd_) == lookup_) host_.close(fd_);
}

}  // namespace lsock::sim
