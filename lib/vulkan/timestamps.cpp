// timestamps.cpp — timestamp query pool and per-kernel aggregation (see timestamps.h).
#include "vulkan/timestamps.h"

#include "vulkan/device.h"

namespace moevk::vulkan {

double KernelProfile::total_ms() const {
    double sum = 0;
    for (const auto &k : kernels) sum += k.second.ms;
    return sum;
}

void KernelProfile::add(const KernelProfile &other) {
    for (const auto &k : other.kernels) {
        kernels[k.first].ms += k.second.ms;
        kernels[k.first].dispatches += k.second.dispatches;
    }
    submissions += other.submissions;
}

TimestampQueries::TimestampQueries(const Device &device, uint32_t capacity) : device_(device.handle()) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(device.physical(), &props);
    uint32_t n_families = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(device.physical(), &n_families, nullptr);
    std::vector<VkQueueFamilyProperties> families(n_families);
    vkGetPhysicalDeviceQueueFamilyProperties(device.physical(), &n_families, families.data());
    const uint32_t bits = device.queue_family() < n_families ? families[device.queue_family()].timestampValidBits : 0;
    if (bits == 0 || props.limits.timestampPeriod <= 0 || capacity < 2) return;  // profiling unavailable
    valid_mask_ = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
    ns_per_tick_ = props.limits.timestampPeriod;
    VkQueryPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = capacity;
    if (vkCreateQueryPool(device_, &info, nullptr, &pool_) != VK_SUCCESS) pool_ = VK_NULL_HANDLE;
    capacity_ = capacity;
}

TimestampQueries::~TimestampQueries() {
    if (pool_ != VK_NULL_HANDLE) vkDestroyQueryPool(device_, pool_, nullptr);
}

void TimestampQueries::begin(VkCommandBuffer cmd) {
    names_.clear();
    if (!supported()) return;
    vkCmdResetQueryPool(cmd, pool_, 0, capacity_);
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool_, 0);
}

void TimestampQueries::after_dispatch(VkCommandBuffer cmd, const std::string &name) {
    if (!supported() || names_.size() + 1 >= capacity_) return;
    names_.push_back(name);
    // bottom of pipe: written once this dispatch (and everything before it) has finished
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_, (uint32_t)names_.size());
}

void TimestampQueries::collect(KernelProfile &profile) {
    profile.submissions += 1;
    if (!supported() || names_.empty()) return;
    std::vector<uint64_t> ticks(names_.size() + 1);
    if (vkGetQueryPoolResults(device_, pool_, 0, (uint32_t)ticks.size(), ticks.size() * 8, ticks.data(), 8,
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
        return;
    for (size_t i = 0; i < names_.size(); ++i) {
        const uint64_t d = ((ticks[i + 1] & valid_mask_) - (ticks[i] & valid_mask_)) & valid_mask_;
        KernelTime &k = profile.kernels[names_[i]];
        k.ms += d * ns_per_tick_ * 1e-6;
        k.dispatches += 1;
    }
    // names_ stay: a replayed recording writes the same timestamps
}

}  // namespace moevk::vulkan
