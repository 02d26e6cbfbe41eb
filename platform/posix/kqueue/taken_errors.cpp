// posix/taken_errors.hpp for builds over libkqueue: a table by descriptor.
// Entries are rare (one per reset or refused connect until the socket
// reads it), so the common path checks one atomic count and takes no lock.
#include <atomic>
#include <mutex>
#include <new>
#include <unordered_map>

#include "posix/taken_errors.hpp"

namespace lsock::posix::taken_errors {

namespace {

struct Table {
    std::mutex mutex;
    std::unordered_map<int, int> errors;
    std::unordered_map<int, int> aliases;  // twin -> socket
    std::atomic<std::size_t> count{0};
};

Table& table() {
    static Table* instance = new Table;  // never destroyed: threads may outlive main's statics
    return *instance;
}

}  // namespace

void keep(int fd, int error) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto alias = t.aliases.find(fd);
    if (alias != t.aliases.end()) fd = alias->second;
    try {
        t.errors[fd] = error;
    } catch (const std::bad_alloc&) {
        return;  // the socket then reports what the kernel still has
    }
    t.count.store(t.errors.size(), std::memory_order_release);
}

int take(int fd) {
    Table& t = table();
    if (t.count.load(std::memory_order_acquire) == 0) return 0;
    std::lock_guard<std::mutex> lock(t.mutex);
    auto found = t.errors.find(fd);
    if (found == t.errors.end()) return 0;
    int error = found->second;
    t.errors.erase(found);
    t.count.store(t.errors.size(), std::memory_order_release);
    return error;
}

void forget(int fd) { (void)take(fd); }

bool alias(int twin, int fd) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    try {
        t.aliases[twin] = fd;
    } catch (const std::bad_alloc&) {
        return false;
    }
    return true;
}

void unalias(int twin) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    t.aliases.erase(twin);
}

}  // namespace lsock::posix::taken_errors
