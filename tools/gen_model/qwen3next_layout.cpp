// qwen3next_layout.cpp — the qwen3next / qwen35moe metadata and tensor table of a generated model. Layer il
// is recurrent unless (il + 1) is a multiple of the full-attention interval, as llama.cpp derives it.
#include "qwen3next_layout.h"

#include <string>

#include "layout_common.h"

namespace moevk::gen {

namespace {

void add_hybrid_metadata(const ModelSpec &s, GgufWriter &w) {
    const std::string a = s.arch + ".";
    w.add_u32(a + "expert_shared_feed_forward_length", s.n_ff_shexp);
    w.add_u32(a + "ssm.conv_kernel", s.ssm_d_conv);
    w.add_u32(a + "ssm.state_size", s.ssm_head_dim);
    w.add_u32(a + "ssm.group_count", s.ssm_n_k_heads);
    w.add_u32(a + "ssm.time_step_rank", s.ssm_n_v_heads);
    w.add_u32(a + "ssm.inner_size", s.ssm_head_dim * s.ssm_n_v_heads);
    w.add_u32(a + "full_attention_interval", s.full_attn_interval);
    w.add_u32(a + "rope.dimension_count", s.n_rot);
    if (s.arch == "qwen35moe") {
        // IMRoPE sections in rotated pairs, the converter's default proportions [11, 11, 10, 0] of 32 pairs.
        const int32_t pairs = (int32_t)s.n_rot / 2, t = pairs * 11 / 32, h = pairs * 11 / 32;
        w.add_i32_array(a + "rope.dimension_sections", {t, h, pairs - t - h, 0});
    }
}

// The GatedDeltaNet tensors of a recurrent layer with prefix p.
void declare_gated_delta_net(TensorDeclarer &d, const std::string &p) {
    const ModelSpec &s = d.spec();
    const uint64_t e = s.n_embd, nv = s.ssm_n_v_heads, cv = nv * s.ssm_head_dim;
    const uint64_t conv = 2 * (uint64_t)s.ssm_n_k_heads * s.ssm_head_dim + cv;
    d.matrix(p + "attn_qkv.weight", {e, conv});
    d.matrix(p + "attn_gate.weight", {e, cv});
    d.f32(p + "ssm_conv1d.weight", {s.ssm_d_conv, conv}, InitKind::kMatrix);
    d.f32(p + "ssm_dt.bias", {nv}, InitKind::kNorm);
    d.f32(p + "ssm_a", {nv}, InitKind::kDecay);
    if (s.arch == "qwen3next") {
        d.matrix(p + "ssm_ba.weight", {e, 2 * nv});
    } else {
        d.matrix(p + "ssm_beta.weight", {e, nv});
        d.matrix(p + "ssm_alpha.weight", {e, nv});
    }
    d.f32(p + "ssm_norm.weight", {s.ssm_head_dim}, InitKind::kNorm);
    d.matrix(p + "ssm_out.weight", {cv, e});
}

void declare_shared_expert(TensorDeclarer &d, const std::string &p) {
    const uint64_t e = d.spec().n_embd, sh = d.spec().n_ff_shexp;
    d.f32(p + "ffn_gate_inp_shexp.weight", {e}, InitKind::kMatrix);
    d.matrix(p + "ffn_gate_shexp.weight", {e, sh});
    d.matrix(p + "ffn_up_shexp.weight", {e, sh});
    d.matrix(p + "ffn_down_shexp.weight", {sh, e});
}

}  // namespace

std::vector<TensorFill> declare_qwen3next(const ModelSpec &s, const WeightTypes &types, uint64_t seed, GgufWriter &w) {
    add_moe_metadata(s.arch, s, w);
    add_hybrid_metadata(s, w);
    add_file_metadata(s, types, w);
    TensorDeclarer d(s, types, seed, w);
    declare_embeddings(d);
    for (uint32_t il = 0; il < s.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        d.f32(p + "attn_norm.weight", {s.n_embd}, InitKind::kNorm);
        if ((il + 1) % s.full_attn_interval != 0)
            declare_gated_delta_net(d, p);
        else  // gated full attention: attn_q holds query and gate per head
            declare_attention(d, p, 2 * (uint64_t)s.n_head * s.head_dim);
        d.f32(p + "post_attention_norm.weight", {s.n_embd}, InitKind::kNorm);
        declare_routed_experts(d, p);
        declare_shared_expert(d, p);
    }
    declare_output(d);
    return d.take();
}

}  // namespace moevk::gen
