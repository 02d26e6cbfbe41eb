// A scripted test double of the OS interface, for tests of the core.
//
// Not a kernel (that is platform/sim): every call is recorded, and what a
// call returns comes from a script the test writes beforehand. An empty
// script gives the unremarkable answer (success, or EAGAIN for receive and
// accept), so a test scripts only what it is about. Calls on a descriptor
// this Os did not open, or already closed, fail with EBADF and are counted in
// `bad_fd_calls`, so a use after close shows up as a test failure.
#pragma once

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsock/os.hpp"

namespace lsock::test {

class FakeOs : public Os {
public:
    // One scripted answer of receive / receive_from: bytes (delivered over
    // as many calls as the caller's buffer needs), an errno, or the end of
    // the stream (no bytes, no error).
    struct Incoming {
        std::string data;
        int error = 0;
        Address from;  // receive_from only
    };
    // One scripted answer of send / send_to: take at most `accept` bytes, or
    // fail with `error`.
    struct Outgoing {
        std::size_t accept = 0;
        int error = 0;
    };
    struct OpenCall {
        Family family;
        SocketType type;
        Fd fd;  // kNoFd when the call failed
    };
    struct OptionCall {
        Fd fd;
        SocketOption option;
        int value;
    };
    struct AddressCall {
        Fd fd;
        Address address;
    };
    struct ResolveCall {
        std::optional<std::string> host;
        std::optional<std::string> service;
        ResolveHints hints;
    };

    // --- the script ------------------------------------------------------
    double clock = 0;  // what now() returns; tests move it by hand

    std::deque<int> open_results;            // empty: success
    std::deque<int> connect_results;         // empty: 0 (connected at once)
    std::deque<int> finish_connect_results;  // empty: 0
    std::deque<int> accept_results;          // empty: EAGAIN; 0 hands out a new descriptor
    std::deque<Incoming> incoming;           // empty: EAGAIN
    std::deque<Outgoing> outgoing;           // empty: everything is taken
    std::map<SocketOption, int> option_errors;  // set_option fails for these
    std::map<SocketOption, int> option_values;  // what get_option reports
    Address accepted_peer;

    ResolveError resolve_error = ResolveError::None;
    std::vector<ResolvedAddress> resolve_answer;

    void script_data(std::string data) { incoming.push_back({std::move(data), 0, {}}); }
    void script_datagram(std::string data, Address from) { incoming.push_back({std::move(data), 0, std::move(from)}); }
    void script_receive_error(int error) { incoming.push_back({{}, error, {}}); }
    void script_end_of_stream() { incoming.push_back({}); }
    void script_send_accepts(std::size_t bytes) { outgoing.push_back({bytes, 0}); }
    void script_send_error(int error) { outgoing.push_back({0, error}); }

    // --- what happened ---------------------------------------------------
    std::vector<std::string> calls;  // names of the Os calls, in order
    std::vector<OpenCall> opens;
    std::vector<Fd> closes;
    std::vector<OptionCall> options;
    std::vector<AddressCall> binds, connects, send_tos;
    std::vector<std::pair<Fd, int>> listens;
    std::vector<std::pair<Fd, ShutdownHow>> shutdowns;
    std::vector<std::size_t> receive_sizes;  // the room each receive offered
    std::vector<ResolveCall> resolves;
    std::string sent;  // every byte any send took, in order
    int bad_fd_calls = 0;

    std::size_t calls_to(std::string_view name) const {
        std::size_t n = 0;
        for (const std::string& call : calls) n += call == name;
        return n;
    }
    bool is_open(Fd fd) const { return open_fds_.count(fd) != 0; }
    std::size_t open_count() const { return open_fds_.size(); }

    // --- Os --------------------------------------------------------------
    int open_socket(Family family, SocketType type, int protocol, Fd* out) override {
        calls.push_back("open_socket");
        int error = pop(open_results, 0);
        if (error) {
            opens.push_back({family, type, kNoFd});
            return error;
        }
        *out = new_fd();
        opens.push_back({family, type, *out});
        return 0;
    }

    int close(Fd fd) override {
        calls.push_back("close");
        closes.push_back(fd);
        if (!known(fd)) return EBADF;
        open_fds_.erase(fd);
        return 0;
    }

    int bind(Fd fd, const Address& address) override {
        calls.push_back("bind");
        if (!known(fd)) return EBADF;
        binds.push_back({fd, address});
        return 0;
    }

    int listen(Fd fd, int backlog) override {
        calls.push_back("listen");
        if (!known(fd)) return EBADF;
        listens.emplace_back(fd, backlog);
        return 0;
    }

    int connect(Fd fd, const Address& address) override {
        calls.push_back("connect");
        if (!known(fd)) return EBADF;
        connects.push_back({fd, address});
        return pop(connect_results, 0);
    }

    int finish_connect(Fd fd) override {
        calls.push_back("finish_connect");
        if (!known(fd)) return EBADF;
        return pop(finish_connect_results, 0);
    }

    int accept(Fd fd, Fd* out, Address* peer) override {
        calls.push_back("accept");
        if (!known(fd)) return EBADF;
        int error = pop(accept_results, EAGAIN);
        if (error) return error;
        *out = new_fd();
        if (peer) *peer = accepted_peer;
        return 0;
    }

    IoResult send(Fd fd, const void* data, std::size_t size) override {
        calls.push_back("send");
        return take(fd, data, size);
    }

    IoResult send_to(Fd fd, const void* data, std::size_t size, const Address& to) override {
        calls.push_back("send_to");
        if (known(fd)) send_tos.push_back({fd, to});
        return take(fd, data, size);
    }

    IoResult receive(Fd fd, void* buffer, std::size_t size) override {
        calls.push_back("receive");
        if (!known(fd)) return {0, EBADF};
        receive_sizes.push_back(size);
        if (incoming.empty()) return {0, EAGAIN};
        Incoming& next = incoming.front();
        if (next.error) {
            int error = next.error;
            incoming.pop_front();
            return {0, error};
        }
        if (next.data.empty()) {  // end of stream, and it stays ended
            return {0, 0};
        }
        // A stream hands out what fits and keeps the rest for the next call.
        std::size_t n = next.data.size() < size ? next.data.size() : size;
        std::memcpy(buffer, next.data.data(), n);
        next.data.erase(0, n);
        if (next.data.empty()) incoming.pop_front();
        return {n, 0};
    }

    IoResult receive_from(Fd fd, void* buffer, std::size_t size, Address* from) override {
        calls.push_back("receive_from");
        if (!known(fd)) return {0, EBADF};
        receive_sizes.push_back(size);
        if (incoming.empty()) return {0, EAGAIN};
        Incoming next = incoming.front();
        incoming.pop_front();
        if (next.error) return {0, next.error};
        // A datagram is truncated to the buffer; the rest is lost.
        std::size_t n = next.data.size() < size ? next.data.size() : size;
        std::memcpy(buffer, next.data.data(), n);
        if (from) *from = next.from;
        return {n, 0};
    }

    int shutdown(Fd fd, ShutdownHow how) override {
        calls.push_back("shutdown");
        if (!known(fd)) return EBADF;
        shutdowns.emplace_back(fd, how);
        return 0;
    }

    int set_option(Fd fd, SocketOption option, int value) override {
        calls.push_back("set_option");
        if (!known(fd)) return EBADF;
        auto failure = option_errors.find(option);
        if (failure != option_errors.end()) return failure->second;
        options.push_back({fd, option, value});
        option_values[option] = value;
        return 0;
    }

    int get_option(Fd fd, SocketOption option, int* value) override {
        calls.push_back("get_option");
        if (!known(fd)) return EBADF;
        auto found = option_values.find(option);
        *value = found == option_values.end() ? 0 : found->second;
        return 0;
    }

    int local_address(Fd fd, Address* out) override {
        calls.push_back("local_address");
        if (!known(fd)) return EBADF;
        *out = Address::loopback(Family::Inet, 1111);
        return 0;
    }

    int peer_address(Fd fd, Address* out) override {
        calls.push_back("peer_address");
        if (!known(fd)) return EBADF;
        *out = Address::loopback(Family::Inet, 2222);
        return 0;
    }

    ResolveError resolve(const char* host, const char* service, const ResolveHints& hints,
                         std::vector<ResolvedAddress>* out) override {
        calls.push_back("resolve");
        ResolveCall call;
        if (host) call.host = host;
        if (service) call.service = service;
        call.hints = hints;
        resolves.push_back(call);
        if (resolve_error != ResolveError::None) return resolve_error;
        *out = resolve_answer;
        return ResolveError::None;
    }

    std::string resolve_error_message(ResolveError error) override {
        return "resolve error " + std::to_string(int(error));
    }

    std::string error_message(int error) override { return "error " + std::to_string(error); }

    WaitStyle wait_style() const override { return WaitStyle::Block; }

    // Nothing ever becomes ready by waiting: the script decides what the
    // next call sees.
    int wait(PollItem* items, std::size_t count, double deadline) override {
        calls.push_back("wait");
        return ETIMEDOUT;
    }

    double now() override {
        calls.push_back("now");
        return clock;
    }

private:
    Fd new_fd() {
        Fd fd = next_fd_++;
        open_fds_.insert(fd);
        return fd;
    }

    bool known(Fd fd) {
        if (open_fds_.count(fd)) return true;
        ++bad_fd_calls;
        return false;
    }

    template <typename T>
    static T pop(std::deque<T>& script, T otherwise) {
        if (script.empty()) return otherwise;
        T value = script.front();
        script.pop_front();
        return value;
    }

    IoResult take(Fd fd, const void* data, std::size_t size) {
        if (!known(fd)) return {0, EBADF};
        std::size_t n = size;
        if (!outgoing.empty()) {
            Outgoing next = outgoing.front();
            outgoing.pop_front();
            if (next.error) return {0, next.error};
            if (next.accept < n) n = next.accept;
        }
        sent.append(static_cast<const char*>(data), n);
        return {n, 0};
    }

    Fd next_fd_ = 3;
    std::set<Fd> open_fds_;
};

}  // namespace lsock::test
