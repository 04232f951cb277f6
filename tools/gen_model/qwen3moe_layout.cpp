// qwen3moe_layout.cpp — the qwen3moe metadata and tensor table of a generated model.
#include "qwen3moe_layout.h"

#include <string>

#include "layout_common.h"

namespace moevk::gen {

std::vector<TensorFill> declare_qwen3moe(const ModelSpec &s, const WeightTypes &types, uint64_t seed, GgufWriter &w) {
    add_moe_metadata("qwen3moe", s, w);
    add_file_metadata(s, types, w);
    TensorDeclarer d(s, types, seed, w);
    declare_embeddings(d);
    for (uint32_t il = 0; il < s.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        d.f32(p + "attn_norm.weight", {s.n_embd}, InitKind::kNorm);
        declare_attention(d, p, (uint64_t)s.n_head * s.head_dim);
        d.f32(p + "ffn_norm.weight", {s.n_embd}, InitKind::kNorm);
        declare_routed_experts(d, p);
    }
    declare_output(d);
    return d.take();
}

}  // namespace moevk::gen
