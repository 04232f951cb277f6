// expert_layout.cpp — file offsets of every layer's stacked expert tensors (see expert_layout.h).
#include "experts/expert_layout.h"

#include <algorithm>

namespace moevk::experts {

StatusOr<ExpertLayout> ExpertLayout::of(const model::Model &model) {
    ExpertLayout l;
    l.n_layer_ = (uint32_t)model.layers.size();
    l.n_expert_ = model.hp.n_expert;
    for (uint32_t il = 0; il < l.n_layer_; ++il) {
        const model::LayerWeights &lw = model.layers[il];
        const model::TensorInfo &gate = *lw.ffn_gate_exps, &up = *lw.ffn_up_exps, &down = *lw.ffn_down_exps;
        ExpertShape s;
        s.gate_up_type = gate.type;
        s.down_type = down.type;
        s.n_ff = (uint32_t)gate.ne[1];
        s.n_embd = (uint32_t)gate.ne[0];
        s.gate_row_bytes = gate.row_bytes();
        s.down_row_bytes = down.row_bytes();
        s.gate_bytes = gate.slice_bytes();
        s.down_bytes = down.slice_bytes();
        if (gate.type != up.type)
            return unsupported(gate.name + " and " + up.name + " have different types; the expert kernels read both from one slot");
        if (il == 0) {
            l.slot_shape_ = s;
        } else if (s.n_ff != l.slot_shape_.n_ff || s.n_embd != l.slot_shape_.n_embd) {
            return unsupported(gate.name + ": experts of layer " + std::to_string(il) +
                               " differ in dimensions from layer 0");
        }
        l.slot_shape_.gate_bytes = std::max(l.slot_shape_.gate_bytes, s.gate_bytes);
        l.slot_shape_.down_bytes = std::max(l.slot_shape_.down_bytes, s.down_bytes);
        l.layer_shapes_.push_back(s);
        l.total_bytes_ += (uint64_t)l.n_expert_ * s.expert_bytes();
        l.gate_offset_.push_back(gate.file_offset);
        l.up_offset_.push_back(up.file_offset);
        l.down_offset_.push_back(down.file_offset);
        l.gate_name_.push_back(gate.name);
    }
    return l;
}

}  // namespace moevk::experts
