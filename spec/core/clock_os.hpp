// The smallest Os for tests of the sock scheduler: a clock the test moves by
// hand and nothing else (every socket call fails with ENOSYS). Its wait
// style can be switched to Suspend, as on the simulated kernel.
#pragma once

#include <vector>

#include "lsock/os.hpp"

namespace lsock::test {

class ClockOs : public Os {
public:
    double clock = 0;
    WaitStyle style = WaitStyle::Block;
    std::vector<double> wait_deadlines;  // what each wait was asked for

    int open_socket(Family, SocketType, int, Fd*) override { return ENOSYS; }
    int close(Fd) override { return ENOSYS; }
    int bind(Fd, const Address&) override { return ENOSYS; }
    int listen(Fd, int) override { return ENOSYS; }
    int connect(Fd, const Address&) override { return ENOSYS; }
    int finish_connect(Fd) override { return ENOSYS; }
    int accept(Fd, Fd*, Address*) override { return ENOSYS; }
    IoResult send(Fd, const void*, std::size_t) override { return {0, ENOSYS}; }
    IoResult send_to(Fd, const void*, std::size_t, const Address&) override { return {0, ENOSYS}; }
    IoResult receive(Fd, void*, std::size_t) override { return {0, ENOSYS}; }
    IoResult receive_from(Fd, void*, std::size_t, Address*) override { return {0, ENOSYS}; }
    int shutdown(Fd, ShutdownHow) override { return ENOSYS; }
    int set_option(Fd, SocketOption, int) override { return ENOSYS; }
    int get_option(Fd, SocketOption, int*) override { return ENOSYS; }
    int local_address(Fd, Address*) override { return ENOSYS; }
    int peer_address(Fd, Address*) override { return ENOSYS; }
    ResolveError resolve(const char*, const char*, const ResolveHints&, std::vector<ResolvedAddress>*) override {
        return ResolveError::Failed;
    }
    std::string resolve_error_message(ResolveError) override { return "no resolver"; }
    std::string error_message(int) override { return "no such thing"; }
    WaitStyle wait_style() const override { return style; }
    // Nothing ever becomes ready; a blocking wait lets time pass to its deadline.
    int wait(PollItem*, std::size_t, double deadline) override {
        wait_deadlines.push_back(deadline);
        if (style == WaitStyle::Block && deadline != kNoDeadline && deadline > clock) clock = deadline;
        return ETIMEDOUT;
    }
    double now() override { return clock; }
};

}  // namespace lsock::test
