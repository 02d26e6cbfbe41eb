#include "common/lookup_pool.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

namespace lsock::common {

namespace {

// One lookup, shared by its caller and the lookup thread that answers it:
// whichever lets go last frees it (and closes its wake descriptor), so a caller that
// gave up never waits for a resolver that does not answer.
struct LookupJob {
    BlockingResolve resolve;
    std::string host, service;
    bool has_host = false, has_service = false;
    ResolveHints hints;
    std::unique_ptr<WakeSignal> ready;  // readable once answered

    std::mutex mutex;
    bool done = false;  // guarded by mutex, as are the two below
    ResolveError error = ResolveError::None;
    std::vector<ResolvedAddress> answers;
};

// How long a lookup thread with nothing to do waits for the next lookup
// before it ends. Threads that ended at once made a program looking up
// 1,000 names a second start and stop a thread for nearly each of them.
constexpr std::chrono::seconds kIdleThreadLinger{2};

// The queue of lookups no thread has taken yet, how many threads run, and
// how many of those wait for work. Never destroyed: a lookup thread may
// still run at process exit.
struct Pool {
    std::mutex mutex;
    std::condition_variable work;
    std::deque<std::shared_ptr<LookupJob>> queue;
    int threads = 0;
    int idle = 0;
};
Pool& pool() {
    static Pool* the_pool = new Pool;
    return *the_pool;
}

void answer(LookupJob& job) {
    std::vector<ResolvedAddress> answers;
    ResolveError error;
    try {
        error = job.resolve(job.has_host ? job.host.c_str() : nullptr, job.has_service ? job.service.c_str() : nullptr,
                            job.hints, &answers);
    } catch (const std::bad_alloc&) {
        error = ResolveError::Memory;
    }
    {
        std::lock_guard<std::mutex> lock(job.mutex);
        job.error = error;
        job.answers = std::move(answers);
        job.done = true;
    }
    // A failure leaves the caller to its deadline, which is all it could
    // do anyway.
    job.ready->signal();
}

void lookup_thread() {
    Pool& shared = pool();
    for (;;) {
        std::shared_ptr<LookupJob> job;
        {
            std::unique_lock<std::mutex> lock(shared.mutex);
            if (shared.queue.empty()) {
                ++shared.idle;
                shared.work.wait_for(lock, kIdleThreadLinger, [&] { return !shared.queue.empty(); });
                --shared.idle;
            }
            if (shared.queue.empty()) {
                --shared.threads;
                return;
            }
            job = std::move(shared.queue.front());
            shared.queue.pop_front();
        }
        answer(*job);
    }
}

class ThreadLookup final : public PendingResolve {
public:
    explicit ThreadLookup(std::shared_ptr<LookupJob> job) : job_(std::move(job)) {}
    Fd ready_fd() const override { return job_->ready->read_end(); }
    bool ready() override {
        std::lock_guard<std::mutex> lock(job_->mutex);
        return job_->done;
    }
    ResolveError take(std::vector<ResolvedAddress>* out) override {
        std::lock_guard<std::mutex> lock(job_->mutex);
        *out = std::move(job_->answers);
        return job_->error;
    }

private:
    std::shared_ptr<LookupJob> job_;
};

}  // namespace

std::unique_ptr<PendingResolve> start_pooled_lookup(const BlockingResolve& resolve, std::unique_ptr<WakeSignal> ready,
                                                    const char* host, const char* service, const ResolveHints& hints) {
    if (!ready) return nullptr;
    auto job = std::make_shared<LookupJob>();
    job->resolve = resolve;
    job->has_host = host != nullptr;
    job->has_service = service != nullptr;
    if (host) job->host = host;
    if (service) job->service = service;
    job->hints = hints;
    job->ready = std::move(ready);
    auto pending = std::make_unique<ThreadLookup>(job);
    Pool& shared = pool();
    bool start_thread = false;
    {
        std::lock_guard<std::mutex> lock(shared.mutex);
        shared.queue.push_back(std::move(job));
        // Each idle thread takes one queued lookup; only lookups beyond
        // those need a new thread.
        if (shared.queue.size() <= std::size_t(shared.idle)) {
            shared.work.notify_one();
        } else if (shared.threads < kMaxLookupThreads) {
            ++shared.threads;
            start_thread = true;
        }
    }
    if (start_thread) {
        try {
            std::thread(lookup_thread).detach();
        } catch (const std::system_error&) {
            // No new thread: the running ones drain the queue; with none
            // running the lookup would wait forever, so answer it here.
            std::lock_guard<std::mutex> lock(shared.mutex);
            --shared.threads;
            if (shared.threads == 0) {
                shared.queue.clear();
                return nullptr;
            }
        }
    }
    return pending;
}

}  // namespace lsock::common
