// qwen3next.cpp — loader for the hybrid GatedDeltaNet + gated-attention MoE family: qwen3next
// (Qwen3-Next-80B-A3B) and qwen35moe (Qwen3.5 / Qwen3.6 MoE). The two share keys and tensors except the
// beta/alpha projection (fused ssm_ba vs ssm_beta + ssm_alpha); their value-to-key head mapping differs
// (HParams::ssm_k_head_of). Conventions and their llama.cpp sources: docs/hybrid-models.md.
#include <string>

#include "model/arch_loaders.h"
#include "model/loader_checks.h"

namespace moevk::model {

namespace {

constexpr uint32_t kMaxConv = 64;

std::string num(uint64_t v) { return std::to_string(v); }

Status read_attention_hparams(const GgufFile &f, const std::string &a, HParams *hp) {
    MOEVK_ASSIGN_OR_RETURN(hp->n_head, require_u32(f, a + "attention.head_count", 1, kMaxHeads));
    MOEVK_ASSIGN_OR_RETURN(hp->n_head_kv, optional_u32(f, a + "attention.head_count_kv", 1, hp->n_head, hp->n_head));
    if (hp->n_head % hp->n_head_kv != 0) {
        return bad_format(a + "attention.head_count " + num(hp->n_head) + " is not a multiple of " + a +
                          "attention.head_count_kv " + num(hp->n_head_kv));
    }
    MOEVK_ASSIGN_OR_RETURN(hp->head_dim_k, require_u32(f, a + "attention.key_length", 1, kMaxHeadDim));
    MOEVK_ASSIGN_OR_RETURN(hp->head_dim_v, optional_u32(f, a + "attention.value_length", 1, kMaxHeadDim, hp->head_dim_k));
    if (hp->head_dim_v != hp->head_dim_k) {  // llama.cpp asserts n_embd_head_k == n_embd_head_v
        return bad_format(a + "attention.value_length " + num(hp->head_dim_v) + " differs from " + a +
                          "attention.key_length " + num(hp->head_dim_k));
    }
    MOEVK_ASSIGN_OR_RETURN(hp->n_rot, optional_u32(f, a + "rope.dimension_count", 1, hp->head_dim_k, hp->head_dim_k));
    if (hp->n_rot % 2 != 0) return bad_format(a + "rope.dimension_count " + num(hp->n_rot) + " must be even (RoPE rotates pairs)");
    MOEVK_ASSIGN_OR_RETURN(hp->rope_freq_base, optional_f32(f, a + "rope.freq_base", 0.0, 1e12, 10000.0f));
    return Status::ok();
}

Status read_ssm_hparams(const GgufFile &f, const std::string &a, HParams *hp) {
    MOEVK_ASSIGN_OR_RETURN(hp->ssm_d_conv, require_u32(f, a + "ssm.conv_kernel", 1, kMaxConv));
    MOEVK_ASSIGN_OR_RETURN(hp->ssm_head_dim, require_u32(f, a + "ssm.state_size", 1, kMaxHeadDim));
    MOEVK_ASSIGN_OR_RETURN(hp->ssm_n_k_heads, require_u32(f, a + "ssm.group_count", 1, kMaxHeads));
    MOEVK_ASSIGN_OR_RETURN(hp->ssm_n_v_heads, require_u32(f, a + "ssm.time_step_rank", 1, kMaxHeads));
    if (hp->ssm_n_v_heads % hp->ssm_n_k_heads != 0) {
        return bad_format(a + "ssm.time_step_rank (value heads) " + num(hp->ssm_n_v_heads) + " is not a multiple of " +
                          a + "ssm.group_count (key heads) " + num(hp->ssm_n_k_heads));
    }
    MOEVK_ASSIGN_OR_RETURN(uint32_t inner, require_u32(f, a + "ssm.inner_size", 1, kMaxHeads * kMaxHeadDim));
    // llama.cpp sizes tensors with head_v_dim = state_size but runs the graph with inner_size / value heads.
    if ((uint64_t)inner != (uint64_t)hp->ssm_head_dim * hp->ssm_n_v_heads) {
        return bad_format(a + "ssm.inner_size " + num(inner) + " is not " + a + "ssm.state_size " +
                          num(hp->ssm_head_dim) + " x " + a + "ssm.time_step_rank " + num(hp->ssm_n_v_heads));
    }
    return Status::ok();
}

Status read_layer_pattern(const GgufFile &f, const std::string &a, HParams *hp) {
    if (f.find(a + "attention.recurrent_layers") != nullptr)
        return unsupported(a + "attention.recurrent_layers (a per-layer pattern) is not supported yet; "
                           "use " + a + "full_attention_interval");
    MOEVK_ASSIGN_OR_RETURN(hp->full_attn_interval, optional_u32(f, a + "full_attention_interval", 1, kMaxLayers, 4));
    hp->recurrent.assign(hp->n_layer, false);
    for (uint32_t il = 0; il < hp->n_layer; ++il) hp->recurrent[il] = (il + 1) % hp->full_attn_interval != 0;
    return Status::ok();
}

Status read_hparams(const GgufFile &f, Arch arch, const std::string &arch_name, HParams *hp) {
    const std::string a = arch_name + ".";
    hp->arch = arch;
    hp->arch_name = arch_name;
    MOEVK_ASSIGN_OR_RETURN(std::optional<std::string> name, f.get_string("general.name"));
    hp->model_name = name.value_or("");
    MOEVK_ASSIGN_OR_RETURN(hp->n_ctx_train, require_u32(f, a + "context_length", 1, kMaxContext));
    MOEVK_ASSIGN_OR_RETURN(hp->n_embd, require_u32(f, a + "embedding_length", 1, kMaxEmbd));
    MOEVK_ASSIGN_OR_RETURN(hp->n_layer, require_u32(f, a + "block_count", 1, kMaxLayers));
    MOEVK_ASSIGN_OR_RETURN(uint32_t nextn, optional_u32(f, a + "nextn_predict_layers", 0, kMaxLayers, 0));
    if (nextn != 0) {  // block_count would include the MTP blocks appended after the trunk
        return unsupported(a + "nextn_predict_layers " + num(nextn) + ": multi-token-prediction blocks are not supported yet");
    }
    MOEVK_RETURN_IF_ERROR(read_attention_hparams(f, a, hp));
    MOEVK_ASSIGN_OR_RETURN(hp->n_expert, require_u32(f, a + "expert_count", 1, kMaxExperts));
    MOEVK_ASSIGN_OR_RETURN(hp->n_expert_used, require_u32(f, a + "expert_used_count", 1, hp->n_expert));
    MOEVK_ASSIGN_OR_RETURN(hp->n_ff_exp, require_u32(f, a + "expert_feed_forward_length", 1, kMaxFfn));
    MOEVK_ASSIGN_OR_RETURN(hp->n_ff_shexp, require_u32(f, a + "expert_shared_feed_forward_length", 1, kMaxFfn));
    MOEVK_ASSIGN_OR_RETURN(hp->rms_eps, require_f32(f, a + "attention.layer_norm_rms_epsilon", 0.0, 1.0));
    MOEVK_RETURN_IF_ERROR(read_ssm_hparams(f, a, hp));
    MOEVK_RETURN_IF_ERROR(read_layer_pattern(f, a, hp));
    hp->norm_topk_prob = true;  // build_moe_ffn(..., norm_w = true, SOFTMAX)
    return Status::ok();
}

std::string blk(uint32_t il, const char *what, const char *suffix = ".weight") {
    return "blk." + std::to_string(il) + "." + what + suffix;
}

Status bind_attention(TensorClaims &claims, const HParams &hp, uint32_t il, LayerWeights &L) {
    const uint64_t d = hp.n_embd, hd = hp.head_dim_k;
    const uint64_t q = hp.n_head * hd, kv = hp.n_head_kv * hd;
    const TensorRole mat = TensorRole::kMatrix, norm = TensorRole::kNorm;
    // attn_q carries the query and the output gate of each head: 2 * n_head * head_dim rows.
    MOEVK_ASSIGN_OR_RETURN(L.attn_q, claims.require(blk(il, "attn_q"), {d, 2 * q}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.attn_k, claims.require(blk(il, "attn_k"), {d, kv}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.attn_v, claims.require(blk(il, "attn_v"), {d, kv}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.attn_output, claims.require(blk(il, "attn_output"), {q, d}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.attn_q_norm, claims.require(blk(il, "attn_q_norm"), {hd}, norm));
    MOEVK_ASSIGN_OR_RETURN(L.attn_k_norm, claims.require(blk(il, "attn_k_norm"), {hd}, norm));
    return Status::ok();
}

Status bind_recurrent(TensorClaims &claims, const HParams &hp, uint32_t il, LayerWeights &L) {
    const uint64_t d = hp.n_embd, nv = hp.ssm_n_v_heads, cv = hp.ssm_value_dim(), conv = hp.ssm_conv_dim();
    const TensorRole mat = TensorRole::kMatrix, norm = TensorRole::kNorm;
    MOEVK_ASSIGN_OR_RETURN(L.ssm_qkv, claims.require(blk(il, "attn_qkv"), {d, conv}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ssm_gate, claims.require(blk(il, "attn_gate"), {d, cv}, mat));
    // The small recurrent parameters are read as floats (llama.cpp never quantises them).
    MOEVK_ASSIGN_OR_RETURN(L.ssm_conv1d, claims.require(blk(il, "ssm_conv1d"), {hp.ssm_d_conv, conv}, norm));
    MOEVK_ASSIGN_OR_RETURN(L.ssm_dt_bias, claims.require(blk(il, "ssm_dt", ".bias"), {nv}, norm));
    MOEVK_ASSIGN_OR_RETURN(L.ssm_a, claims.require(blk(il, "ssm_a", ""), {nv}, norm));
    if (hp.arch == Arch::kQwen3Next) {
        MOEVK_ASSIGN_OR_RETURN(L.ssm_ba, claims.require(blk(il, "ssm_ba"), {d, 2 * nv}, mat));
    } else {
        MOEVK_ASSIGN_OR_RETURN(L.ssm_beta, claims.require(blk(il, "ssm_beta"), {d, nv}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.ssm_alpha, claims.require(blk(il, "ssm_alpha"), {d, nv}, mat));
    }
    MOEVK_ASSIGN_OR_RETURN(L.ssm_norm, claims.require(blk(il, "ssm_norm"), {hp.ssm_head_dim}, norm));
    MOEVK_ASSIGN_OR_RETURN(L.ssm_out, claims.require(blk(il, "ssm_out"), {cv, d}, mat));
    return Status::ok();
}

Status bind_ffn(TensorClaims &claims, const HParams &hp, uint32_t il, LayerWeights &L) {
    const uint64_t d = hp.n_embd, ff = hp.n_ff_exp, ne = hp.n_expert, sh = hp.n_ff_shexp;
    const TensorRole mat = TensorRole::kMatrix, norm = TensorRole::kNorm;
    MOEVK_ASSIGN_OR_RETURN(L.ffn_norm, claims.require(blk(il, "post_attention_norm"), {d}, norm));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_gate_inp, claims.require(blk(il, "ffn_gate_inp"), {d, ne}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_gate_exps, claims.require(blk(il, "ffn_gate_exps"), {d, ff, ne}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_up_exps, claims.require(blk(il, "ffn_up_exps"), {d, ff, ne}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_down_exps, claims.require(blk(il, "ffn_down_exps"), {ff, d, ne}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_gate_inp_shexp, claims.require(blk(il, "ffn_gate_inp_shexp"), {d}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_gate_shexp, claims.require(blk(il, "ffn_gate_shexp"), {d, sh}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_up_shexp, claims.require(blk(il, "ffn_up_shexp"), {d, sh}, mat));
    MOEVK_ASSIGN_OR_RETURN(L.ffn_down_shexp, claims.require(blk(il, "ffn_down_shexp"), {sh, d}, mat));
    return Status::ok();
}

Status bind_tensors(const GgufFile &f, Model *m) {
    HParams &hp = m->hp;
    TensorClaims claims(f);
    const uint64_t d = hp.n_embd;
    MOEVK_RETURN_IF_ERROR(bind_embeddings(claims, m));

    m->layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        LayerWeights &L = m->layers[il];
        MOEVK_ASSIGN_OR_RETURN(L.attn_norm, claims.require(blk(il, "attn_norm"), {d}, TensorRole::kNorm));
        MOEVK_RETURN_IF_ERROR(hp.is_recurrent(il) ? bind_recurrent(claims, hp, il, L) : bind_attention(claims, hp, il, L));
        MOEVK_RETURN_IF_ERROR(bind_ffn(claims, hp, il, L));
    }
    return claims.check_all_claimed(hp.arch_name);
}

StatusOr<std::unique_ptr<Model>> load_hybrid(std::unique_ptr<GgufFile> file, Arch arch, const std::string &name) {
    auto model = std::make_unique<Model>();
    MOEVK_RETURN_IF_ERROR(read_hparams(*file, arch, name, &model->hp));
    MOEVK_RETURN_IF_ERROR(bind_tensors(*file, model.get()));
    MOEVK_RETURN_IF_ERROR(read_special_tokens(*file, &model->hp));
    model->file = std::move(file);  // the TensorInfo pointers stay valid: the file object does not move
    return model;
}

}  // namespace

StatusOr<std::unique_ptr<Model>> load_qwen3next(std::unique_ptr<GgufFile> file) {
    return load_hybrid(std::move(file), Arch::kQwen3Next, "qwen3next");
}

StatusOr<std::unique_ptr<Model>> load_qwen35moe(std::unique_ptr<GgufFile> file) {
    return load_hybrid(std::move(file), Arch::kQwen35Moe, "qwen35moe");
}

}  // namespace moevk::model
