// forward.h — CPU reference forward pass of a whole model (qwen3moe, and the hybrid qwen3next / qwen35moe):
// the oracle for whole-model tests. Keeps its own float32 KV cache and, for hybrid models, the recurrent
// state (conv state + SSM state) of every GatedDeltaNet layer. Slow on purpose: simple loops over the ops of reference/ops.h, one token
// at a time, so the logits of a position never depend on how the tokens were split into eval() calls.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/model.h"

namespace moevk::reference {

// Expert choice of one token in one layer, as ids and router weights (n_expert_used each), plus the
// router's softmax probabilities of all n_expert experts (for judging near-ties at the top-k boundary).
struct Routing {
    std::vector<int32_t> ids;
    std::vector<float> weights;
    std::vector<float> probs;  // n_expert; informational: changing it changes nothing
};

// Lets a test hand the reference the GPU's expert choice (DESIGN.md section 7: routing near-ties).
// Called with the layer, the position and the reference's own routing; may replace the ids (the reference
// then recomputes the weights of the given ids from its own router probabilities, see route_weights()).
// The ids must stay n_expert_used values in [0, n_expert); anything else throws std::invalid_argument.
using RoutingHook = std::function<void(uint32_t layer, int32_t pos, Routing &routing)>;

class Forward {
public:
    // model must outlive this object. Throws std::invalid_argument when n_ctx is 0 or the hyper-parameters
    // are inconsistent (n_head not a multiple of n_head_kv, odd head_dim_k).
    // kv_storage: the element type the KV cache stores (F32, F16 or Q8_0). K and V are rounded through it
    // exactly as the cache stores them, so the reference computes the same function as a GPU cache of
    // that type (as quantised weights are dequantised exactly). Throws std::invalid_argument for another
    // type or a KV row that is not a whole number of blocks.
    explicit Forward(const model::Model &model, uint32_t n_ctx, model::GgmlType kv_storage = model::GgmlType::kF32);

    // Evaluates tokens at positions [n_past, n_past + n) and appends them. Returns the next-token logits of
    // every evaluated position: n * n_vocab floats, position-major. Throws std::out_of_range for a token
    // outside [0, n_vocab) or when n_past + n > n_ctx, std::invalid_argument for a bad hook result; an
    // exception (also one thrown by the hook itself) appends nothing.
    std::vector<float> eval(const int32_t *tokens, size_t n, const RoutingHook &hook = nullptr);
    // Drops positions >= n_keep (no-op when n_keep >= n_past). A hybrid model's recurrent state cannot be
    // rewound: there only n_keep == 0 (reset) or n_keep >= n_past is allowed; anything else throws
    // std::invalid_argument and changes nothing.
    void truncate(uint32_t n_keep);
    uint32_t n_past() const { return n_past_; }
    uint32_t n_ctx() const { return n_ctx_; }

private:
    // One token through every layer at position pos (== n_past_); writes n_vocab logits.
    void eval_token(int32_t token, int32_t pos, const RoutingHook &hook, float *logits);
    // x += attention(rms_norm(x)) for layer il; stores this position's K/V in the layer's cache.
    void attention_block(uint32_t il, int32_t pos, std::vector<float> &x);
    // x += moe_ffn(rms_norm(x)) for layer il.
    void moe_block(uint32_t il, int32_t pos, const RoutingHook &hook, std::vector<float> &x);
    void store_kv_row(const std::vector<float> &row, float *dst) const;
    // Hybrid layers (forward_hybrid.cpp): x += gated_attention(rms_norm(x)) with partial RoPE and a sigmoid
    // output gate; x += gated_delta_net(rms_norm(x)), advancing the layer's conv and SSM state.
    void gated_attention_block(uint32_t il, int32_t pos, std::vector<float> &x);
    void delta_net_block(uint32_t il, std::vector<float> &x);
    // moe[i] += sigmoid(gate_inp_shexp . h) * shared_expert(h)[i] (hybrid models' shared expert).
    void shared_expert(uint32_t il, const std::vector<float> &h, std::vector<double> &moe) const;
    void init_recurrent_state();
    void reset_recurrent_state();

    const model::Model &model_;
    uint32_t n_ctx_;
    model::GgmlType kv_storage_;
    uint32_t n_past_ = 0;
    // Per layer: K cache [n_ctx][n_head_kv*head_dim_k], V cache [n_ctx][n_head_kv*head_dim_v].
    std::vector<std::vector<float>> k_cache_, v_cache_;
    // Dequantised copies of the small float tensors, made once.
    std::vector<std::vector<float>> attn_norm_, q_norm_, k_norm_, ffn_norm_;
    std::vector<float> output_norm_;
    // Hybrid: per recurrent layer (empty for attention layers) conv state [conv_dim][d_conv-1], SSM state
    // [n_v_heads][head_k_dim][head_v_dim], and float copies of conv1d, dt bias, ssm_a, ssm_norm.
    std::vector<std::vector<float>> conv_state_, ssm_state_;
    std::vector<std::vector<float>> conv_w_, dt_bias_, ssm_a_, ssm_norm_;
};

}  // namespace moevk::reference
