#include "failing_allocator.hpp"

#include <execinfo.h>
#include <unistd.h>

#include <cstdlib>

namespace lsock::alloc_sweep {

void* FailingAllocator::alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
    if (nsize == 0) {
        std::free(ptr);
        return nullptr;
    }
    std::size_t old = ptr ? osize : 0;  // without a block, osize is the object's type
    auto* self = static_cast<FailingAllocator*>(ud);
    if (nsize > old && self->armed_) return self->grow(ptr, osize, nsize);
    return std::realloc(ptr, nsize);
}

void* FailingAllocator::grow(void* ptr, std::size_t osize, std::size_t nsize) {
    if (retry_pending_) {
        retry_pending_ = false;
        if (ptr == failed_ptr_ && osize == failed_osize_ && nsize == failed_nsize_) return nullptr;
    }
    ++counted_;
    if (fail_at_ && !injected_ && counted_ >= fail_at_) {
        // The collector stops itself while it calls a finalizer.
        if (state_ && !lua_gc(state_, LUA_GCISRUNNING, 0)) {
            moved_ = true;
            return std::realloc(ptr, nsize);
        }
        injected_ = true;
        // LSOCK_SWEEP_BACKTRACE=1: where the failing allocation was asked for.
        if (std::getenv("LSOCK_SWEEP_BACKTRACE")) {
            void* frames[64];
            backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
        }
        retry_pending_ = true;
        failed_ptr_ = ptr;
        failed_osize_ = osize;
        failed_nsize_ = nsize;
        return nullptr;
    }
    return std::realloc(ptr, nsize);
}

void FailingAllocator::arm(std::uint64_t fail_at) {
    armed_ = true;
    counted_ = 0;
    fail_at_ = fail_at;
    injected_ = false;
    moved_ = false;
    retry_pending_ = false;
}

}  // namespace lsock::alloc_sweep
