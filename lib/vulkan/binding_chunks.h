// binding_chunks.h — splits a run of equal-sized items (matrix rows, experts) in a buffer into chunks
// that one descriptor can bind: at most Device::max_binding_bytes() each, offsets aligned down to
// Device::binding_alignment(), with the item's byte offset inside the binding left for the kernel.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace moevk::vulkan {

struct BindingChunk {
    uint64_t first_item = 0;   // index of the chunk's first item
    uint64_t n_items = 0;
    uint64_t bind_offset = 0;  // aligned descriptor offset in the buffer
    uint64_t bind_size = 0;    // whole words, <= the limit and inside the buffer
    uint32_t item_base_byte = 0;  // byte of first_item relative to bind_offset (< alignment)
};

struct ChunkPlan {
    uint64_t buffer_bytes;     // size of the buffer the items live in (whole words, as Buffer makes them)
    uint64_t start_offset;     // byte of item 0 in the buffer
    uint64_t n_items;
    uint64_t item_bytes;       // > 0
    uint64_t max_binding_bytes;
    uint64_t alignment;        // power of two >= 4
    uint64_t max_items_per_chunk = UINT64_MAX;  // e.g. the workgroup count limit
};

// The chunks covering all items in order (none for n_items == 0). Errors: kUnsupported when one item
// does not fit one binding; kInternal for inconsistent arguments.
StatusOr<std::vector<BindingChunk>> plan_binding_chunks(const ChunkPlan &plan);

}  // namespace moevk::vulkan
