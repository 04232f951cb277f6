// binding_chunks.cpp — greedy chunking of items under the binding limit (see binding_chunks.h).
#include "vulkan/binding_chunks.h"

#include <algorithm>
#include <string>

namespace moevk::vulkan {

StatusOr<std::vector<BindingChunk>> plan_binding_chunks(const ChunkPlan &p) {
    if (p.item_bytes == 0 || p.alignment < 4 || (p.alignment & (p.alignment - 1)) != 0 || p.max_items_per_chunk == 0 ||
        p.buffer_bytes % 4 != 0)
        return internal_error("plan_binding_chunks: bad arguments");
    if (p.n_items > (p.buffer_bytes - std::min(p.buffer_bytes, p.start_offset)) / p.item_bytes)
        return internal_error("plan_binding_chunks: items run past the buffer");
    std::vector<BindingChunk> chunks;
    for (uint64_t item = 0; item < p.n_items;) {
        BindingChunk c;
        c.first_item = item;
        const uint64_t start = p.start_offset + item * p.item_bytes;
        c.bind_offset = start & ~(p.alignment - 1);
        c.item_base_byte = (uint32_t)(start - c.bind_offset);
        const uint64_t room = p.max_binding_bytes > c.item_base_byte ? p.max_binding_bytes - c.item_base_byte : 0;
        c.n_items = std::min({room / p.item_bytes, p.n_items - item, p.max_items_per_chunk});
        if (c.n_items == 0)
            return unsupported("an item of " + std::to_string(p.item_bytes) + " bytes does not fit the device's " +
                               std::to_string(p.max_binding_bytes) + "-byte storage buffer binding limit");
        const uint64_t end = (c.item_base_byte + c.n_items * p.item_bytes + 3) & ~(uint64_t)3;
        c.bind_size = std::min(end, p.buffer_bytes - c.bind_offset);
        chunks.push_back(c);
        item += c.n_items;
    }
    return chunks;
}

}  // namespace moevk::vulkan
