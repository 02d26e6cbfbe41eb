// A lua_Alloc that counts the allocations a Lua state makes while armed and
// makes exactly one of them fail: the N-th (N = 0 only counts).
//
// Only requests that grow a block count: Lua never lets a shrink or a free
// fail. Lua 5.2 answers a failed request with an emergency collection and
// asks once more; that retry fails too, so the N-th allocation really
// raises "not enough memory" (a collection can free nothing we need here).
//
// One place is left alone: while the collector calls a finalizer (__gc).
// There Lua 5.2 itself cannot cope (lgc.c, GCTM): a memory error while it
// sets up the call drops that finalizer for good, and whatever the object
// owned (a descriptor, C++ memory) leaks; no binding can prevent it. The
// failure then moves to the first allocation after the finalizer call.
#pragma once

#include <lua.hpp>

#include <cstddef>
#include <cstdint>

namespace lsock::alloc_sweep {

class FailingAllocator {
public:
    // The lua_Alloc; `ud` is the FailingAllocator.
    static void* alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize);

    // The state this allocator serves (to see when a finalizer is running).
    void attach(lua_State* L) { state_ = L; }

    // Counts from now on; the `fail_at`-th allocation fails (0: none).
    void arm(std::uint64_t fail_at);
    void disarm() { armed_ = false; }

    bool armed() const { return armed_; }
    std::uint64_t counted() const { return counted_; }
    bool injected() const { return injected_; }
    // The failure came later than the fail_at-th allocation (that one was
    // made for a finalizer call; see the top of this file).
    bool moved() const { return moved_; }

private:
    void* grow(void* ptr, std::size_t osize, std::size_t nsize);

    lua_State* state_ = nullptr;
    bool armed_ = false;
    bool moved_ = false;
    std::uint64_t counted_ = 0;
    std::uint64_t fail_at_ = 0;
    bool injected_ = false;
    // The request that failed, so that Lua's immediate retry of it fails too.
    bool retry_pending_ = false;
    void* failed_ptr_ = nullptr;
    std::size_t failed_osize_ = 0;
    std::size_t failed_nsize_ = 0;
};

}  // namespace lsock::alloc_sweep
