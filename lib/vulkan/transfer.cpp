// transfer.cpp — one-off staging copies (see transfer.h).
#include "vulkan/transfer.h"

#include <string>

#include "vulkan/status.h"

namespace moevk::vulkan {
namespace {

// Destroys what it holds on every return path.
struct OneShot {
    VkDevice device;
    VkCommandPool pool = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    ~OneShot() {
        if (fence != VK_NULL_HANDLE) vkDestroyFence(device, fence, nullptr);
        if (pool != VK_NULL_HANDLE) vkDestroyCommandPool(device, pool, nullptr);
    }
};

// Records what `record` adds into a one-time command buffer, submits it and waits (what: for messages).
// A barrier after it makes its writes visible to the host and to later shader reads.
template <typename Record>
Status run_transfer_now(const Device &device, const char *what, Record record) {
    OneShot s{device.handle()};
    VkCommandPoolCreateInfo pinfo{};
    pinfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pinfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    pinfo.queueFamilyIndex = device.queue_family();
    MOEVK_VK_RETURN_IF_ERROR(vkCreateCommandPool(s.device, &pinfo, nullptr, &s.pool), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo ainfo{};
    ainfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    ainfo.commandPool = s.pool;
    ainfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ainfo.commandBufferCount = 1;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    MOEVK_VK_RETURN_IF_ERROR(vkAllocateCommandBuffers(s.device, &ainfo, &cmd), "vkAllocateCommandBuffers");
    VkFenceCreateInfo finfo{};
    finfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    MOEVK_VK_RETURN_IF_ERROR(vkCreateFence(s.device, &finfo, nullptr, &s.fence), "vkCreateFence");

    VkCommandBufferBeginInfo binfo{};
    binfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    binfo.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    MOEVK_VK_RETURN_IF_ERROR(vkBeginCommandBuffer(cmd, &binfo), "vkBeginCommandBuffer");
    record(cmd);
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0,
                         nullptr, 0, nullptr);
    MOEVK_VK_RETURN_IF_ERROR(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");

    VkSubmitInfo sinfo{};
    sinfo.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    sinfo.commandBufferCount = 1;
    sinfo.pCommandBuffers = &cmd;
    MOEVK_VK_RETURN_IF_ERROR(vkQueueSubmit(device.queue(), 1, &sinfo, s.fence), (std::string("vkQueueSubmit (") + what + ")").c_str());
    VkResult r = vkWaitForFences(s.device, 1, &s.fence, VK_TRUE, (uint64_t)device.timeout_ms() * 1000000ull);
    if (r == VK_TIMEOUT) {
        // the work may still run: wait for it before the pool is destroyed, however long it takes
        vkQueueWaitIdle(device.queue());
        return device_error(std::string(what) + " did not finish within " + std::to_string(device.timeout_ms()) + " ms");
    }
    return vk_status(r, (std::string("vkWaitForFences (") + what + ")").c_str());
}

}  // namespace

Status copy_buffer_now(const Device &device, VkBuffer src, uint64_t src_offset, VkBuffer dst, uint64_t dst_offset,
                       uint64_t size) {
    return run_transfer_now(device, "buffer copy", [&](VkCommandBuffer cmd) {
        VkBufferCopy region{src_offset, dst_offset, size};
        vkCmdCopyBuffer(cmd, src, dst, 1, &region);
    });
}

Status fill_buffer_now(const Device &device, VkBuffer dst, uint64_t offset, uint64_t size, uint32_t word) {
    if (offset % 4 != 0 || size % 4 != 0) return internal_error("buffer fill: offset and size must be whole words");
    return run_transfer_now(device, "buffer fill", [&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, dst, offset, size, word); });
}

}  // namespace moevk::vulkan
