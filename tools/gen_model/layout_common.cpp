// layout_common.cpp — see layout_common.h.
#include "layout_common.h"

#include "tokenizer_vocab.h"

namespace moevk::gen {

void TensorDeclarer::matrix(const std::string &name, std::vector<uint64_t> ne, InitKind kind) {
    const model::GgmlType type = types_.for_matrix(name, ne[0], spec_.n_layer);
    declare(name, type, std::move(ne), kind);
}

void TensorDeclarer::f32(const std::string &name, std::vector<uint64_t> ne, InitKind kind) {
    declare(name, model::GgmlType::kF32, std::move(ne), kind);
}

void TensorDeclarer::declare(const std::string &name, model::GgmlType type, std::vector<uint64_t> ne, InitKind kind) {
    TensorFill f;
    f.stream_key = fill_key(seed_, name);
    f.type = type;
    f.ne0 = ne[0];
    f.kind = kind;
    writer_.add_tensor(name, (uint32_t)type, std::move(ne));
    fills_.push_back(f);
}

void add_moe_metadata(const std::string &arch, const ModelSpec &s, GgufWriter &w) {
    const std::string a = arch + ".";
    w.add_string("general.architecture", arch);
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
}

void add_file_metadata(const ModelSpec &s, const WeightTypes &types, GgufWriter &w) {
    w.add_u32("general.file_type", types.file_type());
    w.add_u32("general.quantization_version", 2);  // GGML_QNT_VERSION
    add_tokenizer_metadata(make_vocab(s.n_vocab), w);
}

void declare_embeddings(TensorDeclarer &d) { d.matrix("token_embd.weight", {d.spec().n_embd, d.spec().n_vocab}); }

void declare_attention(TensorDeclarer &d, const std::string &p, uint64_t q_rows) {
    const ModelSpec &s = d.spec();
    const uint64_t e = s.n_embd, hd = s.head_dim, kv = (uint64_t)s.n_head_kv * hd;
    d.matrix(p + "attn_q.weight", {e, q_rows});
    d.matrix(p + "attn_k.weight", {e, kv});
    d.matrix(p + "attn_v.weight", {e, kv});
    d.matrix(p + "attn_output.weight", {(uint64_t)s.n_head * hd, e});
    d.f32(p + "attn_q_norm.weight", {hd}, InitKind::kNorm);
    d.f32(p + "attn_k_norm.weight", {hd}, InitKind::kNorm);
}

void declare_routed_experts(TensorDeclarer &d, const std::string &p) {
    const ModelSpec &s = d.spec();
    const uint64_t e = s.n_embd, ff = s.n_ff_exp, ne = s.n_expert;
    d.f32(p + "ffn_gate_inp.weight", {e, ne}, InitKind::kRouter);
    d.matrix(p + "ffn_gate_exps.weight", {e, ff, ne});
    d.matrix(p + "ffn_up_exps.weight", {e, ff, ne});
    d.matrix(p + "ffn_down_exps.weight", {ff, e, ne});
}

void declare_output(TensorDeclarer &d) {
    const ModelSpec &s = d.spec();
    d.f32("output_norm.weight", {s.n_embd}, InitKind::kNorm);
    if (!s.tie_output) d.matrix("output.weight", {s.n_embd, s.n_vocab});
}

}  // namespace moevk::gen
