// io_pool.cpp — the worker loop behind io_pool.h.
#include "experts/io_pool.h"

namespace moevk::experts {

IoPool::IoPool(uint32_t n_threads) {
    if (n_threads == 0) n_threads = 1;
    for (uint32_t i = 0; i < n_threads; ++i) threads_.emplace_back([this] { run(); });
}

IoPool::~IoPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread &t : threads_) t.join();
}

std::future<Status> IoPool::submit(std::function<Status()> job) {
    std::packaged_task<Status()> task(std::move(job));
    std::future<Status> result = task.get_future();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        jobs_.push_back(std::move(task));
    }
    wake_.notify_one();
    return result;
}

void IoPool::run() {
    for (;;) {
        std::packaged_task<Status()> task;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and every queued job ran
            task = std::move(jobs_.front());
            jobs_.pop_front();
        }
        task();  // exceptions (bad_alloc) land in the future
    }
}

}  // namespace moevk::experts
