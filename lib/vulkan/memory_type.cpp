// memory_type.cpp — ranks memory types for a MemoryUse (see memory_type.h).
#include "vulkan/memory_type.h"

#include <algorithm>

namespace moevk::vulkan {
namespace {

constexpr VkMemoryPropertyFlags kDeviceLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
constexpr VkMemoryPropertyFlags kHostVisible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
constexpr VkMemoryPropertyFlags kHostCoherent = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
constexpr VkMemoryPropertyFlags kHostCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;

uint64_t largest_device_local_heap(const VkPhysicalDeviceMemoryProperties &props) {
    uint64_t best = 0;
    for (uint32_t h = 0; h < props.memoryHeapCount; ++h)
        if (props.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) best = std::max(best, props.memoryHeaps[h].size);
    return best;
}

}  // namespace

std::vector<uint32_t> memory_type_candidates(const VkPhysicalDeviceMemoryProperties &props, uint32_t type_bits,
                                             MemoryUse use) {
    const uint64_t vram = largest_device_local_heap(props);
    struct Scored {
        int score;
        uint32_t index;
    };
    std::vector<Scored> scored;
    for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
        if (!(type_bits & (1u << i))) continue;
        const VkMemoryPropertyFlags f = props.memoryTypes[i].propertyFlags;
        const uint64_t heap = props.memoryHeaps[props.memoryTypes[i].heapIndex].size;
        // A small host-visible window into VRAM (256 MiB BAR) must not be filled with weights.
        const bool whole_vram_mappable = (f & kDeviceLocal) && (f & kHostVisible) && heap * 10 >= vram * 9;
        int score = -1;
        switch (use) {
            case MemoryUse::kDevice:
                if (!(f & kDeviceLocal)) break;
                score = 10 + (whole_vram_mappable && (f & kHostCoherent) ? 5 : 0) - ((f & kHostVisible) && !whole_vram_mappable ? 5 : 0);
                break;
            case MemoryUse::kUpload:
                if (!(f & kHostVisible) || !(f & kHostCoherent)) break;
                score = 10 + ((f & kDeviceLocal) && whole_vram_mappable ? 2 : 0);
                break;
            case MemoryUse::kReadback:
                if (!(f & kHostVisible)) break;
                score = 10 + ((f & kHostCached) ? 4 : 0) + ((f & kHostCoherent) ? 2 : 0);
                break;
        }
        if (score >= 0) scored.push_back({score, i});
    }
    // Kept in index order among equal scores: drivers list their preferred types first.
    std::stable_sort(scored.begin(), scored.end(), [](const Scored &a, const Scored &b) { return a.score > b.score; });
    std::vector<uint32_t> out;
    for (const Scored &s : scored) out.push_back(s.index);
    return out;
}

}  // namespace moevk::vulkan
