// io_pool.h — a fixed set of threads that run read jobs (blocking pread calls) so that several expert reads
// proceed at once and prefetches overlap GPU work. Jobs return a Status through a future. No priorities,
// no cancellation: a job once queued runs to its end (the cache waits for its jobs before reusing slots).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"

namespace moevk::experts {

class IoPool {
public:
    explicit IoPool(uint32_t n_threads);
    ~IoPool();  // finishes the queued jobs, then joins
    IoPool(const IoPool &) = delete;
    IoPool &operator=(const IoPool &) = delete;

    std::future<Status> submit(std::function<Status()> job);
    uint32_t n_threads() const { return (uint32_t)threads_.size(); }

private:
    void run();
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::packaged_task<Status()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace moevk::experts
