// staging_ring.cpp — the ring behind staging_ring.h.
#include "vulkan/staging_ring.h"

#include <algorithm>

#include "vulkan/status.h"

namespace moevk::vulkan {

StatusOr<std::unique_ptr<StagingRing>> StagingRing::create(const Device &device, uint32_t n_buffers,
                                                           uint64_t piece_bytes) {
    std::unique_ptr<StagingRing> ring(new StagingRing(device));
    ring->piece_bytes_ = piece_bytes;
    VkCommandPoolCreateInfo pinfo{};
    pinfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pinfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pinfo.queueFamilyIndex = device.queue_family();
    MOEVK_VK_RETURN_IF_ERROR(vkCreateCommandPool(device.handle(), &pinfo, nullptr, &ring->pool_),
                             "vkCreateCommandPool (staging)");
    ring->slots_.resize(std::max(1u, n_buffers));
    for (Slot &s : ring->slots_) {
        MOEVK_ASSIGN_OR_RETURN(s.staging, Buffer::create(device, piece_bytes, MemoryUse::kUpload, "upload staging"));
        if (s.staging->mapped() == nullptr) return unsupported("upload staging memory is not host-visible");
        VkCommandBufferAllocateInfo ainfo{};
        ainfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
        ainfo.commandPool = ring->pool_;
        ainfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        ainfo.commandBufferCount = 1;
        MOEVK_VK_RETURN_IF_ERROR(vkAllocateCommandBuffers(device.handle(), &ainfo, &s.cmd), "vkAllocateCommandBuffers");
        VkFenceCreateInfo finfo{};
        finfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
        MOEVK_VK_RETURN_IF_ERROR(vkCreateFence(device.handle(), &finfo, nullptr, &s.fence), "vkCreateFence");
    }
    return ring;
}

StagingRing::~StagingRing() {
    VkDevice dev = device_.handle();
    for (Slot &s : slots_) {
        // a copy that outlives the device timeout must still end before its buffer is freed
        if (s.in_flight && !wait(s).is_ok()) vkQueueWaitIdle(device_.queue());
        if (s.fence != VK_NULL_HANDLE) vkDestroyFence(dev, s.fence, nullptr);
    }
    if (pool_ != VK_NULL_HANDLE) vkDestroyCommandPool(dev, pool_, nullptr);  // frees the command buffers
}

Status StagingRing::wait(Slot &slot) {
    if (!slot.in_flight) return Status::ok();
    const VkResult r =
        vkWaitForFences(device_.handle(), 1, &slot.fence, VK_TRUE, (uint64_t)device_.timeout_ms() * 1000000ull);
    if (r == VK_TIMEOUT)
        return device_error("staging copy did not finish within " + std::to_string(device_.timeout_ms()) + " ms");
    MOEVK_VK_RETURN_IF_ERROR(r, "vkWaitForFences (staging)");
    slot.in_flight = false;
    return vk_status(vkResetFences(device_.handle(), 1, &slot.fence), "vkResetFences (staging)");
}

StatusOr<uint8_t *> StagingRing::next() {
    Slot &s = slots_[at_];
    MOEVK_RETURN_IF_ERROR(wait(s));
    return static_cast<uint8_t *>(s.staging->mapped());
}

Status StagingRing::submit(VkBuffer dst, uint64_t dst_offset, uint64_t size, std::mutex &queue_mutex) {
    Slot &s = slots_[at_];
    MOEVK_RETURN_IF_ERROR(s.staging->flush_host_writes());
    MOEVK_VK_RETURN_IF_ERROR(vkResetCommandBuffer(s.cmd, 0), "vkResetCommandBuffer (staging)");
    VkCommandBufferBeginInfo binfo{};
    binfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    binfo.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    MOEVK_VK_RETURN_IF_ERROR(vkBeginCommandBuffer(s.cmd, &binfo), "vkBeginCommandBuffer (staging)");
    VkBufferCopy region{0, dst_offset, size};
    vkCmdCopyBuffer(s.cmd, s.staging->handle(), dst, 1, &region);
    // later kernels read what the copy wrote
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdPipelineBarrier(s.cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &barrier, 0,
                         nullptr, 0, nullptr);
    MOEVK_VK_RETURN_IF_ERROR(vkEndCommandBuffer(s.cmd), "vkEndCommandBuffer (staging)");
    VkSubmitInfo sinfo{};
    sinfo.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    sinfo.commandBufferCount = 1;
    sinfo.pCommandBuffers = &s.cmd;
    {
        std::lock_guard<std::mutex> lock(queue_mutex);
        MOEVK_VK_RETURN_IF_ERROR(vkQueueSubmit(device_.queue(), 1, &sinfo, s.fence), "vkQueueSubmit (staging)");
    }
    s.in_flight = true;
    at_ = (at_ + 1) % (uint32_t)slots_.size();
    return Status::ok();
}

Status StagingRing::finish() {
    for (Slot &s : slots_) MOEVK_RETURN_IF_ERROR(wait(s));
    return Status::ok();
}

}  // namespace moevk::vulkan
