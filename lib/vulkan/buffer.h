// buffer.h — one VkBuffer with its own memory allocation, usable as a storage buffer and as a copy
// source/destination. Host access is a memcpy when the memory is mappable, else a staging copy (downloads
// from mapped but uncached memory too).
// No sub-allocation: moevk makes a few hundred large buffers, far under the allocation limit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/device.h"
#include "vulkan/memory_type.h"

namespace moevk::vulkan {

class Buffer {
public:
    // size_bytes is rounded up to whole uint words (0 becomes 4). Errors: kOutOfMemory, kDevice.
    // The device must outlive the buffer. name appears in error messages.
    static StatusOr<std::unique_ptr<Buffer>> create(const Device &device, uint64_t size_bytes, MemoryUse use,
                                                    const std::string &name);
    ~Buffer();
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;

    VkBuffer handle() const { return buffer_; }
    uint64_t size_bytes() const { return size_; }
    const std::string &name() const { return name_; }
    // Host pointer to the whole buffer, or nullptr when the memory is not host-visible.
    void *mapped() const { return mapped_; }

    // Copy size bytes between host memory and [offset, offset + size) of the buffer. Must not overlap
    // GPU work in flight on this buffer. Errors: kInvalidArg (range), kDevice, kOutOfMemory (staging).
    Status upload(uint64_t offset, const void *src, uint64_t size);
    Status download(uint64_t offset, void *dst, uint64_t size) const;
    Status fill_zero();
    // After writing through mapped() directly: makes the writes visible on non-coherent memory.
    Status flush_host_writes();
    // kInvalidArg unless [offset, offset + size) lies inside the buffer.
    Status check_range(uint64_t offset, uint64_t size) const;

private:
    Buffer() = default;
    Status read_mapped(uint64_t offset, void *dst, uint64_t size) const;
    const Device *device_ = nullptr;
    std::string name_;
    VkBuffer buffer_ = VK_NULL_HANDLE;
    VkDeviceMemory memory_ = VK_NULL_HANDLE;
    uint64_t size_ = 0;
    void *mapped_ = nullptr;
    bool coherent_ = true;
    // Reads of uncached mapped memory (VRAM seen through the PCIe BAR) cross the bus a few bytes at a
    // time, tens of MB/s: download() then copies on the GPU into cached host memory instead.
    bool host_cached_ = true;
};

}  // namespace moevk::vulkan
