#include "posix/ring_streams.hpp"

#include "posix/socket_calls.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

namespace lsock::posix::ring_streams {

namespace {

// Two levels, so that a process with a few descriptors holds one page:
// a fixed top array of pages made on first use and never freed (another
// thread may read a page at any time). 2^22 descriptors in all; a larger
// number (RLIMIT_NOFILE rarely allows one) is received from the kernel.
constexpr unsigned kPageBits = 12;
constexpr std::size_t kPageSize = std::size_t(1) << kPageBits;
constexpr std::size_t kPages = 1024;

struct Page {
    std::atomic<RingIo*> entries[kPageSize];
};

std::atomic<Page*> pages[kPages];

std::atomic<RingIo*>* entry_of(Fd fd, bool make) {
    if (fd < 0 || std::size_t(fd) >= kPageSize * kPages) return nullptr;
    std::atomic<Page*>& slot = pages[std::size_t(fd) >> kPageBits];
    Page* page = slot.load(std::memory_order_acquire);
    if (!page && make) {
        Page* fresh = new (std::nothrow) Page{};
        if (!fresh) return nullptr;
        if (slot.compare_exchange_strong(page, fresh, std::memory_order_acq_rel)) {
            page = fresh;
        } else {
            delete fresh;  // another thread made it first; `page` is theirs
        }
    }
    return page ? &page->entries[std::size_t(fd) & (kPageSize - 1)] : nullptr;
}

// What rings let go of unread, by descriptor. Rare (a loop that changes
// poller, a socket closed with data unread), so one lock for all.
class Unread final : public RingIo {
public:
    bool keep(Fd fd, std::string&& bytes, int end) {
        std::lock_guard<std::mutex> hold(lock_);
        try {
            Kept& kept = kept_[fd];
            kept.bytes.append(bytes);
            if (!kept.end) kept.end = end;
        } catch (const std::bad_alloc&) {
            return false;
        }
        return true;
    }

    IoResult receive(Fd fd, void* buffer, std::size_t size) override {
        std::unique_lock<std::mutex> hold(lock_);
        auto found = kept_.find(fd);
        if (found == kept_.end()) {
            hold.unlock();
            leave(fd);
            return kernel_receive(fd, buffer, size);
        }
        Kept& kept = found->second;
        std::size_t count = std::min(size, kept.bytes.size() - kept.taken);
        std::memcpy(buffer, kept.bytes.data() + kept.taken, count);
        kept.taken += count;
        if (kept.taken < kept.bytes.size()) return {count, 0};
        // Drained: the socket's end (once; the kernel says end of stream
        // after a reset too), then the kernel again.
        int end = kept.end;
        if (count && end) return {count, 0};  // the end comes with the next call
        kept_.erase(found);
        hold.unlock();
        leave(fd);
        if (count) return {count, 0};
        if (end > 0) return {0, end};
        if (end == kEndOfStream) return {0, 0};
        return kernel_receive(fd, buffer, size);
    }

    // Only receiving differs: what the ring read comes before the kernel's.
    IoResult send(Fd fd, const void* data, std::size_t size) override { return kernel_send(fd, data, size); }

    int shutdown(Fd fd, int how) override { return ::shutdown(fd, how) == 0 ? 0 : errno; }

    bool closing(Fd fd) override {
        std::unique_lock<std::mutex> hold(lock_);
        auto found = kept_.find(fd);
        bool unread = found != kept_.end() && found->second.taken < found->second.bytes.size();
        if (found != kept_.end()) kept_.erase(found);
        hold.unlock();
        leave(fd);
        // The kernel resets a connection closed with data unread; these
        // bytes were unread, only the ring had taken them off the socket.
        if (unread) {
            linger reset{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        }
        return false;
    }

private:
    struct Kept {
        std::string bytes;
        std::size_t taken = 0;
        int end = 0;
    };

    static IoResult kernel_receive(Fd fd, void* buffer, std::size_t size) {
        ssize_t n = ::recv(fd, buffer, size, 0);
        if (n < 0) return {0, errno};
        return {std::size_t(n), 0};
    }

    std::mutex lock_;
    std::unordered_map<Fd, Kept> kept_;
};

Unread& unread() {
    static Unread* kept = new Unread;  // never destroyed: sockets may outlive static destructors
    return *kept;
}

}  // namespace

bool enter(Fd fd, RingIo* receiver) {
    std::atomic<RingIo*>* entry = entry_of(fd, true);
    if (!entry) return false;
    RingIo* was = nullptr;
    return entry->compare_exchange_strong(was, receiver, std::memory_order_relaxed) || was == receiver;
}

void leave(Fd fd) {
    if (std::atomic<RingIo*>* entry = entry_of(fd, false)) entry->store(nullptr, std::memory_order_relaxed);
}

RingIo* of(Fd fd) {
    std::atomic<RingIo*>* entry = entry_of(fd, false);
    return entry ? entry->load(std::memory_order_relaxed) : nullptr;
}

bool keep_unread(Fd fd, std::string&& bytes, int end) {
    Unread& kept = unread();
    if (!kept.keep(fd, std::move(bytes), end)) return false;
    return enter(fd, &kept);
}

}  // namespace lsock::posix::ring_streams
