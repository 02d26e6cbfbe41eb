// Os::start_resolve on Windows (common/lookup_pool.hpp's start_async_resolve):
// the shared pool of lookup threads, with a loopback UDP socket per lookup
// as the descriptor its caller waits on (Winsock's select and the pollers
// wait on sockets only), and the DLL pinned while a lookup thread may run.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <mutex>

#include "common/lookup_pool.hpp"

namespace lsock::common {

namespace {

// A UDP socket on 127.0.0.1 connected to itself: signal() sends it one
// datagram, which leaves it readable for good (nobody reads it). Windows
// has no pipe or eventfd that select() accepts; a socket it does. It keeps
// Winsock started for its own life, so a lookup thread that outlives every
// other user of Winsock can still signal and close it.
class WakeSocket final : public WakeSignal {
public:
    WakeSocket() = default;
    WakeSocket(const WakeSocket&) = delete;
    WakeSocket& operator=(const WakeSocket&) = delete;
    ~WakeSocket() override {
        if (socket_ != INVALID_SOCKET) ::closesocket(socket_);
        if (started_) ::WSACleanup();
    }
    Fd read_end() const override { return Fd(socket_); }
    void signal() override {
        char byte = 1;
        ::send(socket_, &byte, 1, 0);
    }
    // true once bound, connected to itself and non-blocking.
    bool open() {
        WSADATA data;
        started_ = ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
        if (!started_) return false;
        socket_ = ::WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
        if (socket_ == INVALID_SOCKET) return false;
        sockaddr_in self{};
        self.sin_family = AF_INET;
        self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int length = sizeof self;
        u_long on = 1;
        return ::bind(socket_, reinterpret_cast<sockaddr*>(&self), length) == 0 &&
               ::getsockname(socket_, reinterpret_cast<sockaddr*>(&self), &length) == 0 &&
               ::connect(socket_, reinterpret_cast<sockaddr*>(&self), length) == 0 &&
               ::ioctlsocket(socket_, FIONBIO, &on) == 0;
    }

private:
    SOCKET socket_ = INVALID_SOCKET;
    bool started_ = false;
};

// Lua unloads this DLL (FreeLibrary) when its state closes, and a lookup
// thread may still be waiting for a resolver then: pin it until the
// process ends.
void keep_module_loaded() {
    static std::once_flag once;
    std::call_once(once, [] {
        HMODULE module = nullptr;
        ::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                             reinterpret_cast<LPCWSTR>(&keep_module_loaded), &module);
    });
}

}  // namespace

std::unique_ptr<PendingResolve> start_async_resolve(const BlockingResolve& resolve, const char* host,
                                                    const char* service, const ResolveHints& hints) {
    auto ready = std::make_unique<WakeSocket>();
    if (!ready->open()) return nullptr;
    keep_module_loaded();
    return start_pooled_lookup(resolve, std::move(ready), host, service, hints);
}

}  // namespace lsock::common
