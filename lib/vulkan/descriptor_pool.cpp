// descriptor_pool.cpp — a list of VkDescriptorPools of storage-buffer sets (see descriptor_pool.h).
#include "vulkan/descriptor_pool.h"

#include "vulkan/status.h"

namespace moevk::vulkan {
namespace {

constexpr uint32_t kSetsPerPool = 512;
constexpr uint32_t kBuffersPerSet = 8;  // average; a pool runs out sooner for wider sets and we add one

}  // namespace

DescriptorPool::~DescriptorPool() {
    for (VkDescriptorPool p : pools_) vkDestroyDescriptorPool(device_, p, nullptr);
}

Status DescriptorPool::add_pool() {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kBuffersPerSet};
    VkDescriptorPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    info.maxSets = kSetsPerPool;
    info.poolSizeCount = 1;
    info.pPoolSizes = &size;
    VkDescriptorPool pool = VK_NULL_HANDLE;
    MOEVK_VK_RETURN_IF_ERROR(vkCreateDescriptorPool(device_, &info, nullptr, &pool), "vkCreateDescriptorPool");
    pools_.push_back(pool);
    return Status::ok();
}

StatusOr<VkDescriptorSet> DescriptorPool::allocate(VkDescriptorSetLayout layout) {
    for (;;) {
        const bool fresh = current_ == pools_.size();
        if (fresh) MOEVK_RETURN_IF_ERROR(add_pool());
        VkDescriptorSetAllocateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
        info.descriptorPool = pools_[current_];
        info.descriptorSetCount = 1;
        info.pSetLayouts = &layout;
        VkDescriptorSet set = VK_NULL_HANDLE;
        VkResult r = vkAllocateDescriptorSets(device_, &info, &set);
        if (r == VK_SUCCESS) return set;
        // a fresh pool that cannot hold one set never will: report instead of looping
        if (fresh || (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL))
            return vk_status(r, "vkAllocateDescriptorSets");
        ++current_;
    }
}

Status DescriptorPool::reset() {
    for (VkDescriptorPool p : pools_)
        MOEVK_VK_RETURN_IF_ERROR(vkResetDescriptorPool(device_, p, 0), "vkResetDescriptorPool");
    current_ = 0;
    return Status::ok();
}

}  // namespace moevk::vulkan
