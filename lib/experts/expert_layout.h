// expert_layout.h — where each expert's three matrices lie in the GGUF file and how big one cache slot is.
// GGUF stacks a layer's experts along the last dimension, so expert e of a tensor is one contiguous slice.
// It reads no bytes and knows nothing of devices; the cache (expert_cache.h) uses it to place reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/model.h"

namespace moevk::experts {

// One matrix of one expert in the file.
struct ExpertSlice {
    uint64_t file_offset = 0;
    uint64_t bytes = 0;
};

// The experts of one layer. Layers may differ in types (a Q4_K_M file has Q6_K ffn_down in some layers),
// so the slot pool is sized by ExpertLayout::slot_shape(), the largest of each matrix over the layers.
struct ExpertShape {
    model::GgmlType gate_up_type = model::GgmlType::kF32, down_type = model::GgmlType::kF32;
    uint32_t n_ff = 0, n_embd = 0;         // gate/up: n_ff rows of n_embd; down: n_embd rows of n_ff
    uint64_t gate_row_bytes = 0, down_row_bytes = 0;
    uint64_t gate_bytes = 0;               // one of gate or up (same shape and type)
    uint64_t down_bytes = 0;
    uint64_t gate_up_slot_bytes() const { return 2 * gate_bytes; }  // gate rows, then up rows
    uint64_t expert_bytes() const { return 2 * gate_bytes + down_bytes; }
};

class ExpertLayout {
public:
    // Errors: kUnsupported when layers differ in expert dimensions, or gate and up differ in type.
    static StatusOr<ExpertLayout> of(const model::Model &model);

    // One cache slot: layer 0's types and dimensions with the largest gate and down bytes of any layer.
    const ExpertShape &slot_shape() const { return slot_shape_; }
    const ExpertShape &layer_shape(uint32_t layer) const { return layer_shapes_[layer]; }
    uint32_t n_layer() const { return n_layer_; }
    uint32_t n_expert() const { return n_expert_; }
    // Bytes of every expert of every layer in the file.
    uint64_t total_bytes() const { return total_bytes_; }
    ExpertSlice gate(uint32_t layer, uint32_t expert) const {
        return slice(gate_offset_[layer], layer_shapes_[layer].gate_bytes, expert);
    }
    ExpertSlice up(uint32_t layer, uint32_t expert) const {
        return slice(up_offset_[layer], layer_shapes_[layer].gate_bytes, expert);
    }
    ExpertSlice down(uint32_t layer, uint32_t expert) const {
        return slice(down_offset_[layer], layer_shapes_[layer].down_bytes, expert);
    }
    const std::string &gate_name(uint32_t layer) const { return gate_name_[layer]; }

private:
    static ExpertSlice slice(uint64_t base, uint64_t bytes, uint32_t expert) { return {base + expert * bytes, bytes}; }
    ExpertShape slot_shape_;
    std::vector<ExpertShape> layer_shapes_;
    uint64_t total_bytes_ = 0;
    uint32_t n_layer_ = 0, n_expert_ = 0;
    std::vector<uint64_t> gate_offset_, up_offset_, down_offset_;  // file offset of each layer's tensor
    std::vector<std::string> gate_name_;
};

}  // namespace moevk::experts
