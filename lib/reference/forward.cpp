// forward.cpp — the qwen3moe forward pass of llama.cpp's llm_build_qwen3moe, written as plain loops over
// reference/ops.h; the hybrid architectures' own blocks live in forward_hybrid.cpp. Activations are stored as float between ops (as on the GPU); every reduction is float64.
// Large matrices are dequantised row by row inside matvec(); only 1-D norm weights are copied at start.
#include "reference/forward.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "reference/ops.h"
#include "reference/tensor_access.h"

namespace moevk::reference {

Forward::Forward(const model::Model &model, uint32_t n_ctx, model::GgmlType kv_storage)
    : model_(model), n_ctx_(n_ctx), kv_storage_(kv_storage) {
    if (kv_storage != model::GgmlType::kF32 && kv_storage != model::GgmlType::kF16 &&
        kv_storage != model::GgmlType::kQ8_0)
        throw std::invalid_argument("reference: KV storage must be f32, f16 or q8_0");
    const model::HParams &hp = model_.hp;
    const uint32_t block = model::block_elements(kv_storage);
    if (hp.head_dim_k % block != 0 || hp.head_dim_v % block != 0)
        throw std::invalid_argument("reference: head dims are not whole blocks of the KV storage type");
    if (n_ctx == 0) throw std::invalid_argument("reference: n_ctx must be > 0");
    if (hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0)
        throw std::invalid_argument("reference: n_head must be a multiple of n_head_kv");
    if (hp.head_dim_k % 2 != 0) throw std::invalid_argument("reference: head_dim_k must be even for RoPE");
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        const model::LayerWeights &layer = model_.layers[il];
        const bool attention = !hp.is_recurrent(il);  // recurrent layers have no Q/K norms and no KV cache
        attn_norm_.push_back(dequantize_tensor(model_, *layer.attn_norm));
        q_norm_.push_back(attention ? dequantize_tensor(model_, *layer.attn_q_norm) : std::vector<float>());
        k_norm_.push_back(attention ? dequantize_tensor(model_, *layer.attn_k_norm) : std::vector<float>());
        ffn_norm_.push_back(dequantize_tensor(model_, *layer.ffn_norm));
        k_cache_.emplace_back(attention ? (size_t)n_ctx * hp.n_head_kv * hp.head_dim_k : 0);
        v_cache_.emplace_back(attention ? (size_t)n_ctx * hp.n_head_kv * hp.head_dim_v : 0);
    }
    output_norm_ = dequantize_tensor(model_, *model_.output_norm);
    if (hp.is_hybrid()) init_recurrent_state();
}

std::vector<float> Forward::eval(const int32_t *tokens, size_t n, const RoutingHook &hook) {
    const model::HParams &hp = model_.hp;
    // check everything before touching the cache, so a refused call appends nothing
    if (n > n_ctx_ - n_past_) throw std::out_of_range("reference: context full");
    for (size_t i = 0; i < n; ++i)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= hp.n_vocab)
            throw std::out_of_range("reference: token " + std::to_string(tokens[i]) + " outside the vocabulary");
    std::vector<float> logits(n * hp.n_vocab);
    const uint32_t n_past_before = n_past_;
    // the recurrent state is overwritten token by token: keep the old one to undo a throwing call
    const std::vector<std::vector<float>> conv_before = conv_state_, ssm_before = ssm_state_;
    try {
        for (size_t i = 0; i < n; ++i) {
            eval_token(tokens[i], (int32_t)n_past_, hook, logits.data() + i * hp.n_vocab);
            ++n_past_;
        }
    } catch (...) {
        n_past_ = n_past_before;  // a throwing hook: forget this call's positions (their cache rows are dead)
        conv_state_ = conv_before;
        ssm_state_ = ssm_before;
        throw;
    }
    return logits;
}

void Forward::truncate(uint32_t n_keep) {
    if (n_keep >= n_past_) return;
    if (model_.hp.is_hybrid()) {
        // the recurrent state summarises every token seen: it can be reset, never rewound
        if (n_keep != 0)
            throw std::invalid_argument("reference: cannot truncate a recurrent model to " + std::to_string(n_keep) +
                                        " of " + std::to_string(n_past_) + " positions (only to 0 or the end)");
        reset_recurrent_state();
    }
    // cache rows >= n_past_ are never read, so dropping positions is just moving the end
    n_past_ = n_keep;
}

void Forward::eval_token(int32_t token, int32_t pos, const RoutingHook &hook, float *logits) {
    const model::HParams &hp = model_.hp;
    const model::TensorInfo &embd = *model_.token_embd;
    std::vector<float> x(hp.n_embd);  // the residual stream
    model::dequantize_row(embd.type, model_.data(embd) + (uint64_t)token * row_bytes_of(embd.type, hp.n_embd),
                          x.data(), hp.n_embd);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        if (!hp.is_hybrid()) attention_block(il, pos, x);
        else if (hp.is_recurrent(il)) delta_net_block(il, x);
        else gated_attention_block(il, pos, x);
        moe_block(il, pos, hook, x);
    }
    std::vector<float> x_norm(hp.n_embd);
    rms_norm(x.data(), output_norm_.data(), x_norm.data(), hp.n_embd, hp.rms_eps);
    matvec_tensor(model_, *model_.output, x_norm.data(), logits);  // output == token_embd when tied
}

void Forward::attention_block(uint32_t il, int32_t pos, std::vector<float> &x) {
    const model::HParams &hp = model_.hp;
    const model::LayerWeights &layer = model_.layers[il];
    const size_t hk = hp.head_dim_k, hv = hp.head_dim_v;
    const size_t kv_k_width = hp.n_head_kv * hk, kv_v_width = hp.n_head_kv * hv;

    std::vector<float> h(hp.n_embd);
    rms_norm(x.data(), attn_norm_[il].data(), h.data(), hp.n_embd, hp.rms_eps);
    std::vector<float> q(hp.n_head * hk), k(kv_k_width), v(kv_v_width);
    matvec_tensor(model_, *layer.attn_q, h.data(), q.data());
    matvec_tensor(model_, *layer.attn_k, h.data(), k.data());
    matvec_tensor(model_, *layer.attn_v, h.data(), v.data());

    // Qwen3: RMSNorm of every Q and K head (over head_dim) before RoPE; rms_norm may run in place.
    for (size_t head = 0; head < hp.n_head; ++head) {
        float *qh = q.data() + head * hk;
        rms_norm(qh, q_norm_[il].data(), qh, hk, hp.rms_eps);
        rope_neox(qh, hk, hk, pos, hp.rope_freq_base);
    }
    for (size_t head = 0; head < hp.n_head_kv; ++head) {
        float *kh = k.data() + head * hk;
        rms_norm(kh, k_norm_[il].data(), kh, hk, hp.rms_eps);
        rope_neox(kh, hk, hk, pos, hp.rope_freq_base);
    }
    store_kv_row(k, k_cache_[il].data() + (size_t)pos * kv_k_width);
    store_kv_row(v, v_cache_[il].data() + (size_t)pos * kv_v_width);

    // causal: the query at pos sees keys [0, pos]; query head h reads KV head h / (n_head / n_head_kv)
    const float scale = 1.0f / std::sqrt((float)hk);  // llama.cpp's kq_scale, a float
    const size_t group = hp.n_head / hp.n_head_kv;
    std::vector<float> heads_out(hp.n_head * hv);
    for (size_t head = 0; head < hp.n_head; ++head) {
        const size_t kv_head = head / group;
        attention_head(q.data() + head * hk, k_cache_[il].data() + kv_head * hk, kv_k_width,
                       v_cache_[il].data() + kv_head * hv, kv_v_width, (size_t)pos + 1, hk, hv, scale,
                       heads_out.data() + head * hv);
    }
    std::vector<float> o(hp.n_embd);
    matvec_tensor(model_, *layer.attn_output, heads_out.data(), o.data());
    for (size_t i = 0; i < hp.n_embd; ++i) x[i] += o[i];
}

void Forward::store_kv_row(const std::vector<float> &row, float *dst) const {
    if (kv_storage_ == model::GgmlType::kF32) {
        std::copy(row.begin(), row.end(), dst);
        return;
    }
    // Round through the storage type: quantise as the cache does, then dequantise exactly.
    std::vector<uint8_t> stored(*model::row_bytes(kv_storage_, row.size()));
    model::quantize_row(kv_storage_, row.data(), stored.data(), row.size());
    model::dequantize_row(kv_storage_, stored.data(), dst, row.size());
}

void Forward::moe_block(uint32_t il, int32_t pos, const RoutingHook &hook, std::vector<float> &x) {
    const model::HParams &hp = model_.hp;
    const model::LayerWeights &layer = model_.layers[il];
    const size_t d = hp.n_embd, ff = hp.n_ff_exp;

    std::vector<float> h(d);
    rms_norm(x.data(), ffn_norm_[il].data(), h.data(), d, hp.rms_eps);
    std::vector<float> router_logits(hp.n_expert);
    matvec_tensor(model_, *layer.ffn_gate_inp, h.data(), router_logits.data());

    Routing routing;
    routing.ids.resize(hp.n_expert_used);
    routing.weights.resize(hp.n_expert_used);
    route_topk(router_logits.data(), hp.n_expert, hp.n_expert_used, hp.norm_topk_prob, routing.ids.data(),
               routing.weights.data());
    std::vector<double> probs(hp.n_expert);
    router_softmax(router_logits.data(), hp.n_expert, probs.data());
    routing.probs.assign(probs.begin(), probs.end());
    if (hook) {
        hook(il, pos, routing);
        if (routing.ids.size() != hp.n_expert_used)
            throw std::invalid_argument("reference: routing hook must return n_expert_used ids");
        for (int32_t id : routing.ids)
            if (id < 0 || (uint32_t)id >= hp.n_expert)
                throw std::invalid_argument("reference: routing hook returned expert " + std::to_string(id));
        // the weights always come from our own router, whoever chose the ids
        routing.weights.resize(hp.n_expert_used);
        route_weights(router_logits.data(), hp.n_expert, routing.ids.data(), hp.n_expert_used,
                      hp.norm_topk_prob, routing.weights.data());
    }

    std::vector<double> moe(d, 0.0);
    std::vector<float> gate(ff), up(ff), act(ff), down(d);
    for (size_t j = 0; j < routing.ids.size(); ++j) {
        const uint32_t e = (uint32_t)routing.ids[j];
        matvec(layer.ffn_gate_exps->type, expert_slice(model_, *layer.ffn_gate_exps, e), ff, d, h.data(), gate.data());
        matvec(layer.ffn_up_exps->type, expert_slice(model_, *layer.ffn_up_exps, e), ff, d, h.data(), up.data());
        swiglu(gate.data(), up.data(), act.data(), ff);
        matvec(layer.ffn_down_exps->type, expert_slice(model_, *layer.ffn_down_exps, e), d, ff, act.data(), down.data());
        for (size_t i = 0; i < d; ++i) moe[i] += (double)routing.weights[j] * (double)down[i];
    }
    if (layer.ffn_up_shexp != nullptr) shared_expert(il, h, moe);
    for (size_t i = 0; i < d; ++i) x[i] += (float)moe[i];
}

}  // namespace moevk::reference
