// buffer.cpp — buffer creation (best memory type first, falling back when an allocation fails) and host
// access by mapping or through a bounded staging buffer.
#include "vulkan/buffer.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "vulkan/status.h"
#include "vulkan/transfer.h"

namespace moevk::vulkan {
namespace {

constexpr uint64_t kStagingChunkBytes = 64ull << 20;  // bounded host memory for staging copies

}  // namespace

StatusOr<std::unique_ptr<Buffer>> Buffer::create(const Device &device, uint64_t size_bytes, MemoryUse use,
                                                 const std::string &name) {
    std::unique_ptr<Buffer> buf(new Buffer());
    buf->device_ = &device;
    buf->name_ = name;
    buf->size_ = std::max<uint64_t>(4, (size_bytes + 3) & ~(uint64_t)3);
    VkDevice dev = device.handle();

    VkBufferCreateInfo binfo{};
    binfo.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    binfo.size = buf->size_;
    binfo.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                  VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    binfo.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    MOEVK_RETURN_IF_ERROR(vk_status(vkCreateBuffer(dev, &binfo, nullptr, &buf->buffer_), "vkCreateBuffer")
                              .with_prefix("buffer " + name + ": "));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, buf->buffer_, &req);

    const VkPhysicalDeviceMemoryProperties &props = device.memory_properties();
    std::vector<uint32_t> candidates = memory_type_candidates(props, req.memoryTypeBits, use);
    if (candidates.empty()) return unsupported("buffer " + name + ": no suitable memory type");
    VkResult last = VK_ERROR_OUT_OF_DEVICE_MEMORY;
    uint32_t chosen = 0;
    for (uint32_t type : candidates) {
        VkMemoryAllocateInfo ainfo{};
        ainfo.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
        ainfo.allocationSize = req.size;
        ainfo.memoryTypeIndex = type;
        last = vkAllocateMemory(dev, &ainfo, nullptr, &buf->memory_);
        if (last == VK_SUCCESS) {
            chosen = type;
            break;
        }
        buf->memory_ = VK_NULL_HANDLE;
    }
    if (buf->memory_ == VK_NULL_HANDLE)
        return vk_status(last, ("vkAllocateMemory for buffer " + name + " of " + std::to_string(buf->size_) +
                                " bytes").c_str());
    MOEVK_VK_RETURN_IF_ERROR(vkBindBufferMemory(dev, buf->buffer_, buf->memory_, 0), "vkBindBufferMemory");

    const VkMemoryPropertyFlags flags = props.memoryTypes[chosen].propertyFlags;
    if (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
        buf->coherent_ = (flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
        buf->host_cached_ = (flags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) != 0;
        MOEVK_VK_RETURN_IF_ERROR(vkMapMemory(dev, buf->memory_, 0, VK_WHOLE_SIZE, 0, &buf->mapped_), "vkMapMemory");
    }
    return buf;
}

Buffer::~Buffer() {
    VkDevice dev = device_ ? device_->handle() : VK_NULL_HANDLE;
    if (buffer_ != VK_NULL_HANDLE) vkDestroyBuffer(dev, buffer_, nullptr);
    if (memory_ != VK_NULL_HANDLE) vkFreeMemory(dev, memory_, nullptr);  // unmaps implicitly
}

Status Buffer::check_range(uint64_t offset, uint64_t size) const {
    if (offset > size_ || size > size_ - offset)
        return invalid_arg("buffer " + name_ + ": range [" + std::to_string(offset) + ", +" + std::to_string(size) +
                           ") outside its " + std::to_string(size_) + " bytes");
    return Status::ok();
}

Status Buffer::flush_host_writes() {
    if (coherent_ || !mapped_) return Status::ok();
    VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, memory_, 0, VK_WHOLE_SIZE};
    return vk_status(vkFlushMappedMemoryRanges(device_->handle(), 1, &range), "vkFlushMappedMemoryRanges");
}

Status Buffer::upload(uint64_t offset, const void *src, uint64_t size) {
    MOEVK_RETURN_IF_ERROR(check_range(offset, size));
    if (size == 0) return Status::ok();
    if (mapped_) {
        std::memcpy(static_cast<uint8_t *>(mapped_) + offset, src, size);
        return flush_host_writes();
    }
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<Buffer> staging,
                           Buffer::create(*device_, std::min(size, kStagingChunkBytes), MemoryUse::kUpload,
                                          name_ + " staging"));
    for (uint64_t done = 0; done < size;) {
        const uint64_t n = std::min(size - done, staging->size_bytes());
        MOEVK_RETURN_IF_ERROR(staging->upload(0, static_cast<const uint8_t *>(src) + done, n));
        MOEVK_RETURN_IF_ERROR(copy_buffer_now(*device_, staging->handle(), 0, buffer_, offset + done, n));
        done += n;
    }
    return Status::ok();
}

Status Buffer::read_mapped(uint64_t offset, void *dst, uint64_t size) const {
    if (!coherent_) {
        VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, nullptr, memory_, 0, VK_WHOLE_SIZE};
        MOEVK_VK_RETURN_IF_ERROR(vkInvalidateMappedMemoryRanges(device_->handle(), 1, &range),
                                 "vkInvalidateMappedMemoryRanges");
    }
    std::memcpy(dst, static_cast<const uint8_t *>(mapped_) + offset, size);
    return Status::ok();
}

Status Buffer::download(uint64_t offset, void *dst, uint64_t size) const {
    MOEVK_RETURN_IF_ERROR(check_range(offset, size));
    if (size == 0) return Status::ok();
    if (mapped_ && host_cached_) return read_mapped(offset, dst, size);
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<Buffer> staging,
                           Buffer::create(*device_, std::min(size, kStagingChunkBytes), MemoryUse::kReadback,
                                          name_ + " readback"));
    // the staging buffer is the best host-readable memory there is: read it even when it is uncached
    if (staging->mapped_ == nullptr) return unsupported("buffer " + name_ + ": readback memory is not host-visible");
    for (uint64_t done = 0; done < size;) {
        const uint64_t n = std::min(size - done, staging->size_bytes());
        MOEVK_RETURN_IF_ERROR(copy_buffer_now(*device_, buffer_, offset + done, staging->handle(), 0, n));
        MOEVK_RETURN_IF_ERROR(staging->read_mapped(0, static_cast<uint8_t *>(dst) + done, n));
        done += n;
    }
    return Status::ok();
}

// On the GPU whatever the memory: a memset through a PCIe BAR would write VRAM at bus speed (tens of ms for
// a hybrid model's recurrent state, at the start of every prompt).
Status Buffer::fill_zero() { return fill_buffer_now(*device_, buffer_, 0, size_, 0u); }

}  // namespace moevk::vulkan
