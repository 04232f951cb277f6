// memory_type.h — which memory type a buffer of a given use lives in. Device-local memory that is also
// host-visible and as large as VRAM (UMA, lavapipe, resizable BAR as on the H100) is preferred, so
// weights are written by memcpy instead of through a staging copy.
#pragma once

#include <cstdint>
#include <vector>

#include <vulkan/vulkan.h>

namespace moevk::vulkan {

enum class MemoryUse {
    kDevice,    // read and written by kernels; host access, if any, through staging
    kUpload,    // written by the host, read by kernels (small per-call inputs, staging)
    kReadback,  // written by kernels, read by the host (logits, routing ids)
};

// Memory type indices allowed by type_bits, best first, for the use. Empty when none fits.
std::vector<uint32_t> memory_type_candidates(const VkPhysicalDeviceMemoryProperties &props, uint32_t type_bits,
                                             MemoryUse use);

}  // namespace moevk::vulkan
