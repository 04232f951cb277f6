// qwen3moe.cpp — loader for the qwen3moe architecture (Qwen3-30B-A3B, Qwen3-235B-A22B): metadata keys and
// tensor names exactly as llama.cpp writes and reads them, every shape checked. It describes the model; the
// maths (GQA with per-head Q/K RMSNorm, NeoX RoPE, softmax top-k router) lives in reference/ and kernels/.
#include <string>

#include "model/arch_loaders.h"
#include "model/loader_checks.h"

namespace moevk::model {

namespace {

Status read_hparams(const GgufFile &f, HParams *hp) {
    const std::string a = "qwen3moe.";
    hp->arch = Arch::kQwen3Moe;
    hp->arch_name = "qwen3moe";
    MOEVK_ASSIGN_OR_RETURN(std::optional<std::string> name, f.get_string("general.name"));
    hp->model_name = name.value_or("");
    MOEVK_ASSIGN_OR_RETURN(hp->n_ctx_train, require_u32(f, a + "context_length", 1, kMaxContext));
    MOEVK_ASSIGN_OR_RETURN(hp->n_embd, require_u32(f, a + "embedding_length", 1, kMaxEmbd));
    MOEVK_ASSIGN_OR_RETURN(hp->n_layer, require_u32(f, a + "block_count", 1, kMaxLayers));
    MOEVK_ASSIGN_OR_RETURN(hp->n_head, require_u32(f, a + "attention.head_count", 1, kMaxHeads));
    // llama.cpp: head_count_kv defaults to head_count (no GQA).
    MOEVK_ASSIGN_OR_RETURN(hp->n_head_kv, optional_u32(f, a + "attention.head_count_kv", 1, hp->n_head, hp->n_head));
    if (hp->n_head % hp->n_head_kv != 0) {
        return bad_format(a + "attention.head_count " + std::to_string(hp->n_head) +
                          " is not a multiple of " + a + "attention.head_count_kv " + std::to_string(hp->n_head_kv));
    }
    // Head dims default to n_embd / n_head; refuse the default when it is not exact (llama.cpp would truncate).
    const bool has_k = f.find(a + "attention.key_length") != nullptr;
    const bool has_v = f.find(a + "attention.value_length") != nullptr;
    if ((!has_k || !has_v) && hp->n_embd % hp->n_head != 0) {
        return bad_format(a + "attention.key_length/value_length are absent and " + a + "embedding_length " +
                          std::to_string(hp->n_embd) + " is not a multiple of " + a + "attention.head_count " +
                          std::to_string(hp->n_head));
    }
    const uint32_t default_head_dim = hp->n_embd / hp->n_head;
    MOEVK_ASSIGN_OR_RETURN(hp->head_dim_k, optional_u32(f, a + "attention.key_length", 1, kMaxHeadDim, default_head_dim));
    MOEVK_ASSIGN_OR_RETURN(hp->head_dim_v,
                           optional_u32(f, a + "attention.value_length", 1, kMaxHeadDim, default_head_dim));
    if (hp->head_dim_k % 2 != 0) {
        return bad_format(a + "attention.key_length " + std::to_string(hp->head_dim_k) +
                          " must be even (RoPE rotates pairs)");
    }
    hp->n_rot = hp->head_dim_k;  // qwen3moe rotates the whole head
    MOEVK_ASSIGN_OR_RETURN(hp->n_expert, require_u32(f, a + "expert_count", 1, kMaxExperts));
    MOEVK_ASSIGN_OR_RETURN(hp->n_expert_used, require_u32(f, a + "expert_used_count", 1, hp->n_expert));
    MOEVK_ASSIGN_OR_RETURN(hp->n_ff_exp, require_u32(f, a + "expert_feed_forward_length", 1, kMaxFfn));
    MOEVK_ASSIGN_OR_RETURN(hp->rms_eps, require_f32(f, a + "attention.layer_norm_rms_epsilon", 0.0, 1.0));
    MOEVK_ASSIGN_OR_RETURN(hp->rope_freq_base, optional_f32(f, a + "rope.freq_base", 0.0, 1e12, 10000.0f));
    hp->norm_topk_prob = true;  // qwen3moe always renormalises the top-k weights
    return Status::ok();
}

std::string blk(uint32_t il, const char *what) {
    return "blk." + std::to_string(il) + "." + what + ".weight";
}

Status bind_tensors(const GgufFile &f, Model *m) {
    HParams &hp = m->hp;
    TensorClaims claims(f);
    const uint64_t d = hp.n_embd;

    MOEVK_RETURN_IF_ERROR(bind_embeddings(claims, m));

    const uint64_t hk = hp.head_dim_k, hv = hp.head_dim_v;
    const uint64_t q = hp.n_head * hk, k = hp.n_head_kv * hk, vv = hp.n_head_kv * hv, o = hp.n_head * hv;
    const uint64_t ff = hp.n_ff_exp, ne = hp.n_expert;
    m->layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        LayerWeights &L = m->layers[il];
        const TensorRole mat = TensorRole::kMatrix, norm = TensorRole::kNorm;
        MOEVK_ASSIGN_OR_RETURN(L.attn_norm, claims.require(blk(il, "attn_norm"), {d}, norm));
        MOEVK_ASSIGN_OR_RETURN(L.attn_q, claims.require(blk(il, "attn_q"), {d, q}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.attn_k, claims.require(blk(il, "attn_k"), {d, k}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.attn_v, claims.require(blk(il, "attn_v"), {d, vv}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.attn_output, claims.require(blk(il, "attn_output"), {o, d}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.attn_q_norm, claims.require(blk(il, "attn_q_norm"), {hk}, norm));
        MOEVK_ASSIGN_OR_RETURN(L.attn_k_norm, claims.require(blk(il, "attn_k_norm"), {hk}, norm));
        MOEVK_ASSIGN_OR_RETURN(L.ffn_norm, claims.require(blk(il, "ffn_norm"), {d}, norm));
        MOEVK_ASSIGN_OR_RETURN(L.ffn_gate_inp, claims.require(blk(il, "ffn_gate_inp"), {d, ne}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.ffn_gate_exps, claims.require(blk(il, "ffn_gate_exps"), {d, ff, ne}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.ffn_up_exps, claims.require(blk(il, "ffn_up_exps"), {d, ff, ne}, mat));
        MOEVK_ASSIGN_OR_RETURN(L.ffn_down_exps, claims.require(blk(il, "ffn_down_exps"), {ff, d, ne}, mat));
    }
    return claims.check_all_claimed("qwen3moe");
}

}  // namespace

StatusOr<std::unique_ptr<Model>> load_qwen3moe(std::unique_ptr<GgufFile> file) {
    auto model = std::make_unique<Model>();
    MOEVK_RETURN_IF_ERROR(read_hparams(*file, &model->hp));
    MOEVK_RETURN_IF_ERROR(bind_tensors(*file, model.get()));
    MOEVK_RETURN_IF_ERROR(read_special_tokens(*file, &model->hp));
    model->file = std::move(file);  // the TensorInfo pointers stay valid: the file object does not move
    return model;
}

}  // namespace moevk::model
