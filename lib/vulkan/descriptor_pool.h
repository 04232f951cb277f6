// descriptor_pool.h — descriptor sets for one submission's dispatches. Grows by whole VkDescriptorPools
// when one runs out; reset() recycles them all at once (after the submission finished).
#pragma once

#include <vector>

#include <vulkan/vulkan.h>

#include "core/status.h"

namespace moevk::vulkan {

class DescriptorPool {
public:
    explicit DescriptorPool(VkDevice device) : device_(device) {}
    ~DescriptorPool();
    DescriptorPool(const DescriptorPool &) = delete;
    DescriptorPool &operator=(const DescriptorPool &) = delete;

    // A set of the given layout, valid until reset().
    StatusOr<VkDescriptorSet> allocate(VkDescriptorSetLayout layout);
    Status reset();

private:
    Status add_pool();
    VkDevice device_;
    std::vector<VkDescriptorPool> pools_;
    size_t current_ = 0;  // pools before this one are full
};

}  // namespace moevk::vulkan
