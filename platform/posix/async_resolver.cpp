// Os::start_resolve on POSIX (common/lookup_pool.hpp's start_async_resolve):
// the shared pool of lookup threads with a wake descriptor of this backend
// (posix/wake_fd.hpp) per lookup, and the module kept loaded while a lookup
// thread may run.
#include <dlfcn.h>

#include <mutex>

#include "common/lookup_pool.hpp"
#include "posix/wake_fd.hpp"

namespace lsock::common {

namespace {

class WakeFdSignal final : public WakeSignal {
public:
    Fd read_end() const override { return fd_.read_end(); }
    void signal() override { fd_.signal(); }
    int open() { return fd_.open(); }

private:
    posix::WakeFd fd_;
};

// The Lua interpreter unloads this module (dlclose) when its state closes,
// and a lookup thread may still be waiting for a resolver then: keep the
// code mapped until the process ends.
void keep_module_loaded() {
    static std::once_flag once;
    std::call_once(once, [] {
        Dl_info info;
        if (::dladdr(reinterpret_cast<void*>(&keep_module_loaded), &info) && info.dli_fname)
            ::dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    });
}

}  // namespace

std::unique_ptr<PendingResolve> start_async_resolve(const BlockingResolve& resolve, const char* host,
                                                    const char* service, const ResolveHints& hints) {
    auto ready = std::make_unique<WakeFdSignal>();
    if (ready->open() != 0) return nullptr;
    keep_module_loaded();
    return start_pooled_lookup(resolve, std::move(ready), host, service, hints);
}

}  // namespace lsock::common
