// transfer.h — a single buffer-to-buffer copy or buffer fill submitted and waited for on the spot, with its
// own short-lived command pool and fence. Used for staging (memory the host cannot map, or reads of
// uncached VRAM) and for zeroing buffers; per-evaluation work goes through CommandStream.
#pragma once

#include <cstdint>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/device.h"

namespace moevk::vulkan {

// Copies size bytes from src at src_offset to dst at dst_offset and waits (device timeout -> kDevice).
Status copy_buffer_now(const Device &device, VkBuffer src, uint64_t src_offset, VkBuffer dst, uint64_t dst_offset,
                       uint64_t size);
// Sets size bytes of dst from offset (both multiples of 4) to the 32-bit word, and waits.
Status fill_buffer_now(const Device &device, VkBuffer dst, uint64_t offset, uint64_t size, uint32_t word);

}  // namespace moevk::vulkan
