// timestamps.h — per-dispatch GPU time from Vulkan timestamp queries, summed per kernel name. Internal:
// a CommandStream with profiling on writes one timestamp when recording begins and one after each
// dispatch; a dispatch's time is the gap to the previous timestamp (so it includes its barrier wait and
// launch gap: the time the queue spent on it). Off by default: the queries serialise attribution but cost
// little; nothing here runs unless a stream enables it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <vulkan/vulkan.h>

namespace moevk::vulkan {

class Device;

// GPU time per kernel name, accumulated over submissions.
struct KernelTime {
    double ms = 0;
    uint64_t dispatches = 0;
};
struct KernelProfile {
    std::map<std::string, KernelTime> kernels;
    uint64_t submissions = 0;
    double total_ms() const;
    void add(const KernelProfile &other);
};

class TimestampQueries {
public:
    // capacity: timestamps per recording (dispatches + 1); later dispatches go unmeasured (counted as
    // dropped). Does nothing on a queue without timestamps (supported() false).
    TimestampQueries(const Device &device, uint32_t capacity);
    ~TimestampQueries();
    TimestampQueries(const TimestampQueries &) = delete;
    TimestampQueries &operator=(const TimestampQueries &) = delete;

    bool supported() const { return pool_ != VK_NULL_HANDLE; }
    // At the start of a recording: resets the queries and writes the start timestamp.
    void begin(VkCommandBuffer cmd);
    // After a dispatch of kernel name.
    void after_dispatch(VkCommandBuffer cmd, const std::string &name);
    // After a submission of the recording finished (again after each replay): adds its times into profile.
    void collect(KernelProfile &profile);

private:
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueryPool pool_ = VK_NULL_HANDLE;
    uint32_t capacity_ = 0;
    double ns_per_tick_ = 1;
    uint64_t valid_mask_ = ~0ull;
    std::vector<std::string> names_;  // names_[i] ends at timestamp i + 1
};

}  // namespace moevk::vulkan
