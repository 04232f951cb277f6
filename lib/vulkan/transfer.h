// transfer.h — a single buffer-to-buffer copy submitted and waited for on the spot, with its own
// short-lived command pool and fence. Used only for staging when memory is not host-visible
// (weights at load time); per-evaluation work goes through CommandStream.
#pragma once

#include <cstdint>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/device.h"

namespace moevk::vulkan {

// Copies size bytes from src at src_offset to dst at dst_offset and waits (device timeout -> kDevice).
Status copy_buffer_now(const Device &device, VkBuffer src, uint64_t src_offset, VkBuffer dst, uint64_t dst_offset,
                       uint64_t size);

}  // namespace moevk::vulkan
