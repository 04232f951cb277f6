// gpu_pass.h — recording of the qwen3moe forward pass of one batch of tokens, op by op, in the order of
// reference::Forward: embedding, per layer attention block then MoE block, final norm + LM head. Private
// to lib/session (gpu_forward.cpp drives it); everything it reads is set up there.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "session/gpu_ops.h"
#include "session/gpu_scratch.h"
#include "session/gpu_weights.h"

namespace moevk::session {

// What recording a pass reads: weights, scratch, the KV cache of every layer, the RoPE table.
struct GpuPass {
    const model::HParams &hp;
    ActivationShape shape;
    const GpuModelWeights &weights;
    const GpuScratch &scratch;
    const std::vector<std::unique_ptr<vulkan::Buffer>> &kv_cache;  // one buffer per layer
    KvLayout kv_layout;
    const vulkan::Buffer &rope_table;
};

// x = token embeddings of scratch.tokens[0, n_tokens).
Status record_embedding(GpuRecorder &rec, const GpuPass &pass, uint32_t n_tokens);
// One transformer layer on scratch.x, with the tokens at scratch.positions, experts all resident
// (weights.layers[layer].gate_up/down). The three parts below, in this order, record the same ops; the
// streaming pass runs them in separate submissions to read the routing and load experts in between.
Status record_layer(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);

// Attention block, FFN norm and router top-k: the layer's expert ids are in scratch.expert_ids afterwards.
Status record_attention_and_route(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);
// Expert gate/up and down of the (token, expert) pairs whose slot (weights.slot_table) lies in one of sets.
struct ExpertSlotSet {
    GpuExpertSlots gate_up, down;
};
Status record_experts(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens,
                      const std::vector<ExpertSlotSet> &sets);
// x += the weighted expert outputs (after every pair went through record_experts).
Status record_combine(GpuRecorder &rec, const GpuPass &pass, uint32_t n_tokens);
// logits rows [0, n_rows) = output · rmsnorm(x) of tokens [first_token, first_token + n_rows).
Status record_lm_head(GpuRecorder &rec, const GpuPass &pass, uint32_t first_token, uint32_t n_rows);

}  // namespace moevk::session
