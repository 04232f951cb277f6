// staging_ring.h — a few persistently mapped host buffers, each with its own command buffer and fence, for
// uploads into device memory the host cannot map: fill one, submit its copy without waiting, move on; a
// buffer's fence is waited only when the ring comes back to it. One ring per uploading thread; the
// queue, shared by the rings, is guarded by the caller's mutex (vkQueueSubmit needs external sync).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::vulkan {

class StagingRing {
public:
    // n_buffers buffers of piece_bytes each. Errors: kOutOfMemory, kDevice.
    static StatusOr<std::unique_ptr<StagingRing>> create(const Device &device, uint32_t n_buffers,
                                                         uint64_t piece_bytes);
    ~StagingRing();  // waits for the copies still in flight
    StagingRing(const StagingRing &) = delete;
    StagingRing &operator=(const StagingRing &) = delete;

    uint64_t piece_bytes() const { return piece_bytes_; }
    // Host memory for the next piece (piece_bytes), once the copy that last used it has finished.
    StatusOr<uint8_t *> next();
    // Copies the first size bytes of the piece next() returned into dst at dst_offset; returns once submitted.
    Status submit(VkBuffer dst, uint64_t dst_offset, uint64_t size, std::mutex &queue_mutex);
    // Waits for every submitted copy (device timeout -> kDevice).
    Status finish();

private:
    struct Slot {
        std::unique_ptr<Buffer> staging;
        VkCommandBuffer cmd = VK_NULL_HANDLE;
        VkFence fence = VK_NULL_HANDLE;
        bool in_flight = false;
    };
    explicit StagingRing(const Device &device) : device_(device) {}
    Status wait(Slot &slot);
    const Device &device_;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    std::vector<Slot> slots_;
    uint64_t piece_bytes_ = 0;
    uint32_t at_ = 0;  // the slot next() hands out
};

}  // namespace moevk::vulkan
