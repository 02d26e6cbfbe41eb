// lsock_c_echo: a plain C++ epoll server, the physical limit the Lua
// servers are measured against. Same protocol as tools/bench/servers/*.lua:
//
//   lsock_c_echo MODE LIFETIME     MODE = echo | lines
//
// Listens on 127.0.0.1 on a free port, prints "listening on PORT", and
// exits by itself after LIFETIME seconds. In echo mode it sends back what
// it reads; in lines mode it counts CRLF lines and, at end of stream,
// answers "<lines> <payload bytes>\n".
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>

#include "line_counter.hpp"
#include "server_basics.hpp"

namespace {

struct Client {
    std::string unsent;            // echo bytes a full send buffer refused
    cbench::LineCounter counter;
};

class Server {
public:
    Server(int listener, bool lines) : listener_(listener), lines_(lines), epfd_(epoll_create1(EPOLL_CLOEXEC)) {
        watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
    }

    void run_until(double deadline) {
        epoll_event events[512];
        while (true) {
            double left = deadline - cbench::now_seconds();
            if (left <= 0) return;
            int n = epoll_wait(epfd_, events, 512, left > 1 ? 1000 : static_cast<int>(left * 1000) + 1);
            for (int i = 0; i < n; ++i) {
                int fd = events[i].data.fd;
                if (fd == listener_) accept_all();
                else serve(fd, events[i].events);
            }
        }
    }

private:
    void watch(int fd, std::uint32_t events, int op) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        epoll_ctl(epfd_, op, fd, &ev);
    }

    void accept_all() {
        int fd;
        while ((fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
            clients_[fd];
            watch(fd, EPOLLIN, EPOLL_CTL_ADD);
        }
    }

    void drop(int fd) {
        clients_.erase(fd);
        close(fd);  // also removes it from the epoll set
    }

    void serve(int fd, std::uint32_t events) {
        Client& c = clients_[fd];
        if ((events & EPOLLOUT) && !flush(fd, c)) return;
        if (!c.unsent.empty()) return;  // back-pressure: no reading while output waits
        ssize_t n = recv(fd, buffer_, sizeof buffer_, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
            if (n == 0 && lines_) answer(fd, c);
            drop(fd);
            return;
        }
        if (lines_) {
            c.counter.feed(buffer_, static_cast<std::size_t>(n));
            return;
        }
        ssize_t sent = send(fd, buffer_, static_cast<std::size_t>(n), MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN) { drop(fd); return; }
        if (sent < n) {
            c.unsent.assign(buffer_ + (sent > 0 ? sent : 0), buffer_ + n);
            watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
        }
    }

    // Sends what an earlier send left over; false when the client is gone.
    bool flush(int fd, Client& c) {
        ssize_t sent = send(fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN) { drop(fd); return false; }
        if (sent > 0) c.unsent.erase(0, static_cast<std::size_t>(sent));
        if (c.unsent.empty()) watch(fd, EPOLLIN, EPOLL_CTL_MOD);
        return true;
    }

    void answer(int fd, const Client& c) {
        std::string text = std::to_string(c.counter.lines()) + " " + std::to_string(c.counter.payload()) + "\n";
        send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    }

    int listener_;
    bool lines_;
    int epfd_;
    std::unordered_map<int, Client> clients_;
    char buffer_[65536];
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "echo") != 0 && std::strcmp(argv[1], "lines") != 0)) {
        std::fprintf(stderr, "usage: lsock_c_echo echo|lines LIFETIME\n");
        return 2;
    }
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) { lim.rlim_cur = lim.rlim_max; setrlimit(RLIMIT_NOFILE, &lim); }
    int port = 0;
    int listener = cbench::listen_on_loopback(SOCK_NONBLOCK | SOCK_CLOEXEC, port);
    if (listener < 0) { std::perror("listen"); return 1; }
    std::printf("listening on %d\n", port);
    std::fflush(stdout);
    Server server(listener, std::strcmp(argv[1], "lines") == 0);
    server.run_until(cbench::now_seconds() + std::atof(argv[2]));
    return 0;
}
