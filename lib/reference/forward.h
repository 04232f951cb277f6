// forward.h — CPU reference forward pass of a whole model (qwen3moe): the oracle for whole-model tests.
// Keeps its own float32 KV cache. Slow on purpose: simple loops over the ops of reference/ops.h.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/model.h"

namespace moevk::reference {

// Expert choice of one token in one layer, as ids and router weights (n_expert_used each).
struct Routing {
    std::vector<int32_t> ids;
    std::vector<float> weights;
};

// Lets a test hand the reference the GPU's expert choice (DESIGN.md section 7: routing near-ties).
// Called with the layer, the position and the reference's own routing; may replace the ids (the reference
// then recomputes the weights of the given ids from its own router probabilities).
using RoutingHook = std::function<void(uint32_t layer, int32_t pos, Routing &routing)>;

class Forward {
public:
    explicit Forward(const model::Model &model, uint32_t n_ctx);

    // Evaluates tokens at positions [n_past, n_past + n) and appends them. Returns the next-token logits of
    // every evaluated position: n * n_vocab floats, position-major.
    std::vector<float> eval(const int32_t *tokens, size_t n, const RoutingHook &hook = nullptr);
    // Drops positions >= n_keep.
    void truncate(uint32_t n_keep);
    uint32_t n_past() const { return n_past_; }

private:
    const model::Model &model_;
    uint32_t n_ctx_;
    uint32_t n_past_ = 0;
    // Per layer: K cache [n_ctx][n_head_kv*head_dim_k], V cache [n_ctx][n_head_kv*head_dim_v].
    std::vector<std::vector<float>> k_cache_, v_cache_;
    // Dequantised copies of the small float tensors, made once.
    std::vector<std::vector<float>> attn_norm_, q_norm_, k_norm_, ffn_norm_;
    std::vector<float> output_norm_;
};

}  // namespace moevk::reference
