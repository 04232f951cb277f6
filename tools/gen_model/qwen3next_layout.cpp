// qwen3next_layout.cpp — the qwen3next / qwen35moe metadata and tensor table of a generated model. Layer il
// is recurrent unless (il + 1) is a multiple of the full-attention interval, as llama.cpp derives it.
#include "qwen3next_layout.h"

#include <string>

#include "tokenizer_vocab.h"

namespace moevk::gen {

namespace {

void add_metadata(const ModelSpec &s, const WeightTypes &types, GgufWriter &w) {
    const std::string a = s.arch + ".";
    w.add_string("general.architecture", s.arch);
    w.add_string("general.name", s.name);
    w.add_u32("general.alignment", (uint32_t)w.alignment());
    w.add_u32(a + "context_length", s.n_ctx);
    w.add_u32(a + "embedding_length", s.n_embd);
    w.add_u32(a + "block_count", s.n_layer);
    w.add_u32(a + "feed_forward_length", s.n_ff_exp * s.n_expert_used);  // HF intermediate_size; unused by MoE layers
    w.add_u32(a + "attention.head_count", s.n_head);
    w.add_u32(a + "attention.head_count_kv", s.n_head_kv);
    w.add_f32(a + "rope.freq_base", s.rope_freq_base);
    w.add_f32(a + "attention.layer_norm_rms_epsilon", s.rms_eps);
    w.add_u32(a + "expert_used_count", s.n_expert_used);
    w.add_u32(a + "attention.key_length", s.head_dim);
    w.add_u32(a + "attention.value_length", s.head_dim);
    w.add_u32(a + "expert_count", s.n_expert);
    w.add_u32(a + "expert_feed_forward_length", s.n_ff_exp);
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
    w.add_u32("general.file_type", types.file_type());
    w.add_u32("general.quantization_version", 2);  // GGML_QNT_VERSION
    add_tokenizer_metadata(make_vocab(s.n_vocab), w);
}

}  // namespace

std::vector<TensorFill> declare_qwen3next(const ModelSpec &s, const WeightTypes &types, uint64_t seed, GgufWriter &w) {
    add_metadata(s, types, w);
    const model::GgmlType type = types.base;  // matrices; the lambda below applies a mix's per-tensor choice
    std::vector<TensorFill> fills;
    auto declare = [&](const std::string &name, model::GgmlType t, std::vector<uint64_t> ne, InitKind kind) {
        if (t == type) t = types.for_matrix(name, ne[0], s.n_layer);  // F32 tensors stay F32
        TensorFill f;
        f.stream_key = fill_key(seed, name);
        f.type = t;
        f.ne0 = ne[0];
        f.kind = kind;
        w.add_tensor(name, (uint32_t)t, std::move(ne));
        fills.push_back(f);
    };
    const model::GgmlType f32 = model::GgmlType::kF32;
    const uint64_t d = s.n_embd, hd = s.head_dim, ff = s.n_ff_exp, ne = s.n_expert, v = s.n_vocab, sh = s.n_ff_shexp;
    const uint64_t q = s.n_head * hd, kv = s.n_head_kv * hd;
    const uint64_t nv = s.ssm_n_v_heads, cv = nv * s.ssm_head_dim, ck = (uint64_t)s.ssm_n_k_heads * s.ssm_head_dim;
    const uint64_t conv = 2 * ck + cv;

    declare("token_embd.weight", type, {d, v}, InitKind::kMatrix);
    for (uint32_t il = 0; il < s.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        declare(p + "attn_norm.weight", f32, {d}, InitKind::kNorm);
        if ((il + 1) % s.full_attn_interval != 0) {  // GatedDeltaNet
            declare(p + "attn_qkv.weight", type, {d, conv}, InitKind::kMatrix);
            declare(p + "attn_gate.weight", type, {d, cv}, InitKind::kMatrix);
            declare(p + "ssm_conv1d.weight", f32, {s.ssm_d_conv, conv}, InitKind::kMatrix);
            declare(p + "ssm_dt.bias", f32, {nv}, InitKind::kNorm);
            declare(p + "ssm_a", f32, {nv}, InitKind::kDecay);
            if (s.arch == "qwen3next") {
                declare(p + "ssm_ba.weight", type, {d, 2 * nv}, InitKind::kMatrix);
            } else {
                declare(p + "ssm_beta.weight", type, {d, nv}, InitKind::kMatrix);
                declare(p + "ssm_alpha.weight", type, {d, nv}, InitKind::kMatrix);
            }
            declare(p + "ssm_norm.weight", f32, {s.ssm_head_dim}, InitKind::kNorm);
            declare(p + "ssm_out.weight", type, {cv, d}, InitKind::kMatrix);
        } else {  // gated full attention: attn_q holds query and gate per head
            declare(p + "attn_q.weight", type, {d, 2 * q}, InitKind::kMatrix);
            declare(p + "attn_k.weight", type, {d, kv}, InitKind::kMatrix);
            declare(p + "attn_v.weight", type, {d, kv}, InitKind::kMatrix);
            declare(p + "attn_output.weight", type, {q, d}, InitKind::kMatrix);
            declare(p + "attn_q_norm.weight", f32, {hd}, InitKind::kNorm);
            declare(p + "attn_k_norm.weight", f32, {hd}, InitKind::kNorm);
        }
        declare(p + "post_attention_norm.weight", f32, {d}, InitKind::kNorm);
        declare(p + "ffn_gate_inp.weight", f32, {d, ne}, InitKind::kRouter);
        declare(p + "ffn_gate_exps.weight", type, {d, ff, ne}, InitKind::kMatrix);
        declare(p + "ffn_up_exps.weight", type, {d, ff, ne}, InitKind::kMatrix);
        declare(p + "ffn_down_exps.weight", type, {ff, d, ne}, InitKind::kMatrix);
        declare(p + "ffn_gate_inp_shexp.weight", f32, {d}, InitKind::kMatrix);
        declare(p + "ffn_gate_shexp.weight", type, {d, sh}, InitKind::kMatrix);
        declare(p + "ffn_up_shexp.weight", type, {d, sh}, InitKind::kMatrix);
        declare(p + "ffn_down_shexp.weight", type, {sh, d}, InitKind::kMatrix);
    }
    declare("output_norm.weight", f32, {d}, InitKind::kNorm);
    if (!s.tie_output) declare("output.weight", type, {d, v}, InitKind::kMatrix);
    return fills;
}

}  // namespace moevk::gen
