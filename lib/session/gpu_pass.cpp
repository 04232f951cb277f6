// gpu_pass.cpp — the qwen3moe layer as a sequence of recorded ops (see gpu_pass.h); hybrid models swap
// the attention block for gpu_pass_hybrid.cpp's mixer and add the shared expert after the combine. The math follows
// reference/forward.cpp: h = rmsnorm(x) * attn_norm; q|k|v = W h; per-head Q/K RMSNorm then NeoX RoPE;
// K/V to the cache; causal GQA attention with scale 1/sqrt(head_dim_k); x += Wo attn; h = rmsnorm(x) *
// ffn_norm; router softmax/top-k/renormalise; x += sum_j w_j down_e(silu(gate_e h) * up_e h) (down and the
// weighted sum fused when the pairs are not grouped and the experts are bound at once).
#include "session/gpu_pass.h"

#include <cmath>

namespace moevk::session {

Status record_embedding(GpuRecorder &rec, const GpuPass &pass, uint32_t n_tokens) {
    GetRowsOp op;
    op.table = pass.weights.token_embd;
    op.ids = pass.scratch.tokens.get();
    op.out = {pass.scratch.x.get(), 0, pass.shape.n_embd};
    op.n_tokens = n_tokens;
    return record_get_rows(rec, op);
}

Status record_input_norm(GpuRecorder &rec, const GpuPass &pass, const vulkan::Buffer *weight, uint32_t n) {
    const ActivationShape &sh = pass.shape;
    RmsNormOp norm;
    norm.x = {pass.scratch.x.get(), 0, sh.n_embd};
    norm.y = {pass.scratch.h.get(), 0, sh.n_embd};
    norm.weight = weight;
    norm.n_tokens = n;
    norm.n_cols = sh.n_embd;
    norm.eps = pass.hp.rms_eps;
    return record_rms_norm(rec, norm);
}

Status record_qkv_projections(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    const GpuActivations qkv{pass.scratch.qkv.get(), 0, pass.shape.qkv_dim()};
    return record_row_group(rec, pass, pass.weights.layers[il].qkv, nullptr, qkv, n);
}

Status record_attention_core(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n, uint32_t n_rot) {
    const model::HParams &hp = pass.hp;
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    const GpuLayerWeights &lw = pass.weights.layers[il];
    const GpuActivations qkv{s.qkv.get(), 0, sh.qkv_dim()};

    QkNormRopeKvOp rope_kv;
    QkNormRopeOp &rope = rope_kv.rope;
    rope.qkv = qkv;
    rope.k_offset = sh.q_dim;
    rope.n_tokens = n;
    rope.n_head = hp.n_head;
    rope.n_head_kv = hp.n_head_kv;
    rope.head_dim = hp.head_dim_k;
    rope.n_rot = n_rot;
    rope.q_norm = lw.q_norm.get();
    rope.k_norm = lw.k_norm.get();
    rope.rope_table = &pass.rope_table;
    rope.positions = s.positions.get();
    rope.eps = hp.rms_eps;
    rope_kv.v_offset = sh.q_dim + sh.k_dim;
    rope_kv.head_dim_v = hp.head_dim_v;
    rope_kv.cache = pass.kv_cache[il].get();
    rope_kv.layout = pass.kv_layout;
    MOEVK_RETURN_IF_ERROR(record_qk_norm_rope_kv(rec, rope_kv));

    AttentionOp at;
    at.qkv = qkv;
    at.out = {s.attn.get(), 0, sh.attn_dim};
    at.n_tokens = n;
    at.n_head = hp.n_head;
    at.n_head_kv = hp.n_head_kv;
    at.head_dim_k = hp.head_dim_k;
    at.head_dim_v = hp.head_dim_v;
    at.scale = 1.0f / std::sqrt((float)hp.head_dim_k);  // a float, as llama.cpp's kq_scale
    at.positions = s.positions.get();
    at.cache = pass.kv_cache[il].get();
    at.layout = pass.kv_layout;
    at.partials = s.attn_partials.get();
    return record_attention(rec, at);
}

Status record_attention_output(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    MatmulOp wo;
    wo.w = pass.weights.layers[il].attn_output;
    wo.x = {pass.scratch.attn.get(), 0, pass.shape.attn_dim};
    wo.y = {pass.scratch.x.get(), 0, pass.shape.n_embd};
    wo.n_tokens = n;
    wo.accumulate = true;  // the residual add
    return record_matmul(rec, wo);
}

// Calls of a few tokens (decode) fold the block norms into the mat-vecs that read them (matmul_norm: the
// same bits, a dispatch and a barrier less); larger ones norm once, as each workgroup of matmul_norm redoes
// the norms of its token tile.
bool folds_norms(const GpuRecorder &rec, uint32_t n) { return n <= rec.kernels.matmul_token_tile(); }

namespace {

// x -> rmsnorm(x) * norm_weight -> W, in one dispatch; h stored when given.
Status record_normed_matmul(GpuRecorder &rec, const GpuPass &pass, const GpuMatrix &w, const vulkan::Buffer *norm_weight,
                            GpuActivations y, GpuActivations h, uint32_t n) {
    MatmulNormOp mm;
    mm.w = w;
    mm.x = {pass.scratch.x.get(), 0, pass.shape.n_embd};
    mm.norm_weight = norm_weight;
    mm.eps = pass.hp.rms_eps;
    mm.y = y;
    mm.h = h;
    mm.n_tokens = n;
    return record_matmul_norm(rec, mm);
}

}  // namespace

Status record_row_group(GpuRecorder &rec, const GpuPass &pass, const GpuRowGroup &g, const vulkan::Buffer *norm_weight,
                        GpuActivations y, uint32_t n) {
    const GpuActivations h{pass.scratch.h.get(), 0, pass.shape.n_embd};
    for (size_t i = 0; i < g.parts.size(); ++i) {
        const GpuActivations part_y{y.buffer, y.offset + g.first_row[i], y.stride};
        if (i == 0 && norm_weight != nullptr) {
            MOEVK_RETURN_IF_ERROR(record_normed_matmul(rec, pass, g.parts[0], norm_weight, part_y, h, n));
            continue;
        }
        MatmulOp mm;
        mm.w = g.parts[i];
        mm.x = h;
        mm.y = part_y;
        mm.n_tokens = n;
        MOEVK_RETURN_IF_ERROR(record_matmul(rec, mm));
    }
    return Status::ok();
}

namespace {

// Unlike record_row_group, every matrix forms the norm itself: no h to wait for, so Q, K and V of different
// types run side by side.
Status record_normed_qkv_projections(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    const GpuRowGroup &g = pass.weights.layers[il].qkv;
    for (size_t i = 0; i < g.parts.size(); ++i) {
        const GpuActivations y{pass.scratch.qkv.get(), g.first_row[i], pass.shape.qkv_dim()};
        MOEVK_RETURN_IF_ERROR(record_normed_matmul(rec, pass, g.parts[i], pass.weights.layers[il].attn_norm.get(), y, {}, n));
    }
    return Status::ok();
}

Status record_attention_block(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    if (folds_norms(rec, n)) {
        MOEVK_RETURN_IF_ERROR(record_normed_qkv_projections(rec, pass, il, n));
    } else {
        MOEVK_RETURN_IF_ERROR(record_input_norm(rec, pass, pass.weights.layers[il].attn_norm.get(), n));
        MOEVK_RETURN_IF_ERROR(record_qkv_projections(rec, pass, il, n));
    }
    // qwen3moe rotates the whole head
    MOEVK_RETURN_IF_ERROR(record_attention_core(rec, pass, il, n, pass.hp.head_dim_k));
    return record_attention_output(rec, pass, il, n);
}

uint32_t ids_offset(const GpuPass &pass, uint32_t il) {
    return il * pass.scratch.max_batch * pass.shape.k_used;  // each layer keeps its ids for the trace
}

}  // namespace

Status record_attention_and_route(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    if (pass.hp.is_hybrid()) {
        MOEVK_RETURN_IF_ERROR(record_hybrid_mixer(rec, pass, il, n));
    } else {
        MOEVK_RETURN_IF_ERROR(record_attention_block(rec, pass, il, n));
    }
    const model::HParams &hp = pass.hp;
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    const GpuLayerWeights &lw = pass.weights.layers[il];
    const GpuActivations logits{s.router_logits.get(), 0, sh.router_dim()};
    // h (the experts' input) is stored either way
    if (folds_norms(rec, n)) {
        MOEVK_RETURN_IF_ERROR(record_row_group(rec, pass, lw.router, lw.ffn_norm.get(), logits, n));
    } else {
        MOEVK_RETURN_IF_ERROR(record_input_norm(rec, pass, lw.ffn_norm.get(), n));
        MOEVK_RETURN_IF_ERROR(record_row_group(rec, pass, lw.router, nullptr, logits, n));
    }

    RouterOp route;
    route.logits = logits;
    route.n_tokens = n;
    route.n_expert = sh.n_expert;
    route.k = sh.k_used;
    route.norm_topk = hp.norm_topk_prob;
    route.ids = s.expert_ids.get();
    route.ids_offset = ids_offset(pass, il);
    route.weights = s.expert_weights.get();
    return record_router(rec, route);
}

namespace {

// A prompt reads each expert's rows once per tile of its pairs (moe_group) when the device tiles pairs or
// runs the tiled prefill kernels.
bool groups_pairs(const GpuRecorder &rec, uint32_t n) {
    return rec.kernels.tiled_prefill(n) || (n > 1 && rec.kernels.moe_pair_tile() > 1);
}

Status record_gate_ups(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n,
                       const std::vector<ExpertSlotSet> &sets, const MoeGroups &groups) {
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    for (const ExpertSlotSet &set : sets) {
        MoeGateUpOp gu;
        gu.slots = set.gate_up;
        gu.x = {s.h.get(), 0, sh.n_embd};
        gu.ids = s.expert_ids.get();
        gu.ids_offset = ids_offset(pass, il);
        gu.slot_table = pass.weights.slot_table.get();
        gu.act = s.act.get();
        gu.n_tokens = n;
        gu.k = sh.k_used;
        gu.groups = groups;
        MOEVK_RETURN_IF_ERROR(record_moe_gate_up(rec, gu));
    }
    return Status::ok();
}

Status record_shared_if_any(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n) {
    if (pass.weights.layers[layer].shared) return record_shared_expert(rec, pass, layer, n);
    return Status::ok();
}

// Expert FFN and combine of a layer whose experts all sit in one set of slots bound at once: down and
// combine fused (decode); the same bits as record_experts + record_combine.
Status record_fused_experts(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n, const ExpertSlotSet &set) {
    const GpuScratch &s = pass.scratch;
    MOEVK_RETURN_IF_ERROR(record_gate_ups(rec, pass, il, n, {set}, MoeGroups{}));
    MoeDownCombineOp down;
    down.slots = set.down;
    down.act = s.act.get();
    down.ids = s.expert_ids.get();
    down.ids_offset = ids_offset(pass, il);
    down.slot_table = pass.weights.slot_table.get();
    down.weights = s.expert_weights.get();
    down.x = s.x.get();
    down.n_tokens = n;
    down.k = pass.shape.k_used;
    MOEVK_RETURN_IF_ERROR(record_moe_down_combine(rec, down));
    return record_shared_if_any(rec, pass, il, n);
}

}  // namespace

Status record_experts(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n,
                      const std::vector<ExpertSlotSet> &sets) {
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    MoeGroups groups;
    if (groups_pairs(rec, n)) {
        const bool tiled = rec.kernels.tiled_prefill(n);
        MoeGroupOp group{s.expert_ids.get(), ids_offset(pass, il), n * sh.k_used, sh.n_expert, s.expert_groups.get(), tiled};
        MOEVK_RETURN_IF_ERROR(record_moe_group(rec, group));
        groups = {s.expert_groups.get(), sh.n_expert, tiled};
    }
    MOEVK_RETURN_IF_ERROR(record_gate_ups(rec, pass, il, n, sets, groups));
    for (const ExpertSlotSet &set : sets) {
        MoeDownOp down;
        down.slots = set.down;
        down.act = s.act.get();
        down.ids = s.expert_ids.get();
        down.ids_offset = ids_offset(pass, il);
        down.slot_table = pass.weights.slot_table.get();
        down.out = s.expert_out.get();
        down.n_pairs = n * sh.k_used;
        down.groups = groups;
        MOEVK_RETURN_IF_ERROR(record_moe_down(rec, down));
    }
    return Status::ok();
}

Status record_combine(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n) {
    const GpuScratch &s = pass.scratch;
    MoeCombineOp combine{s.expert_out.get(), s.expert_weights.get(), s.x.get(), n, pass.shape.k_used, pass.shape.n_embd};
    MOEVK_RETURN_IF_ERROR(record_moe_combine(rec, combine));
    return record_shared_if_any(rec, pass, layer, n);
}

Status record_layer(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens) {
    const GpuLayerWeights &lw = pass.weights.layers[layer];
    const ExpertSlotSet set{lw.gate_up, lw.down};
    MOEVK_RETURN_IF_ERROR(record_attention_and_route(rec, pass, layer, n_tokens));
    if (!groups_pairs(rec, n_tokens)) {
        MOEVK_ASSIGN_OR_RETURN(const bool one_binding, moe_slots_in_one_binding(rec.kernels.device(), lw.down));
        if (one_binding) return record_fused_experts(rec, pass, layer, n_tokens, set);
    }
    MOEVK_RETURN_IF_ERROR(record_experts(rec, pass, layer, n_tokens, {set}));
    return record_combine(rec, pass, layer, n_tokens);
}

Status record_lm_head(GpuRecorder &rec, const GpuPass &pass, uint32_t first_token, uint32_t n_rows) {
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    RmsNormOp norm;
    norm.x = {s.x.get(), first_token * sh.n_embd, sh.n_embd};
    norm.y = {s.h.get(), 0, sh.n_embd};
    norm.weight = pass.weights.output_norm.get();
    norm.n_tokens = n_rows;
    norm.n_cols = sh.n_embd;
    norm.eps = pass.hp.rms_eps;
    MOEVK_RETURN_IF_ERROR(record_rms_norm(rec, norm));
    MatmulOp head;
    head.w = pass.weights.output;
    head.x = {s.h.get(), 0, sh.n_embd};
    head.y = {s.logits.get(), 0, sh.n_vocab};
    head.n_tokens = n_rows;
    return record_matmul(rec, head);
}

}  // namespace moevk::session
