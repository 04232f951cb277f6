// gpu_pass.h — recording of the forward pass of one batch of tokens, op by op, in the order of
// reference::Forward: embedding, per layer the mixer (attention; for hybrid models GatedDeltaNet or gated
// attention, gpu_pass_hybrid.cpp) then the MoE block, final norm + LM head. Private to lib/session
// (gpu_forward.cpp drives it); everything it reads is set up there.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "session/gpu_ops.h"
#include "session/gpu_recurrent_state.h"
#include "session/gpu_scratch.h"
#include "session/gpu_weights.h"

namespace moevk::session {

// What recording a pass reads: weights, scratch, the KV cache of every layer, the RoPE table; for hybrid
// models the recurrent state this chunk reads and writes (state_in may equal state_out: in place).
struct GpuPass {
    const model::HParams &hp;
    ActivationShape shape;
    const GpuModelWeights &weights;
    const GpuScratch &scratch;
    const std::vector<std::unique_ptr<vulkan::Buffer>> &kv_cache;  // one buffer per layer (null: no K/V)
    KvLayout kv_layout;
    const vulkan::Buffer &rope_table;
    const RecurrentStateLayout *state_layout = nullptr;
    const vulkan::Buffer *state_in = nullptr, *state_out = nullptr;
};

// x = token embeddings of scratch.tokens[0, n_tokens).
Status record_embedding(GpuRecorder &rec, const GpuPass &pass, uint32_t n_tokens);
// One transformer layer on scratch.x, with the tokens at scratch.positions, experts all resident
// (weights.layers[layer].gate_up/down). The three parts below, in this order, record the same ops; the
// streaming pass runs them in separate submissions to read the routing and load experts in between.
Status record_layer(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);

// Mixer (attention block; hybrid: GatedDeltaNet or gated attention), FFN norm and router top-k: the
// layer's expert ids are in scratch.expert_ids afterwards.
Status record_attention_and_route(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);
// Expert gate/up and down of the (token, expert) pairs whose slot (weights.slot_table) lies in one of sets.
struct ExpertSlotSet {
    GpuExpertSlots gate_up, down;
};
Status record_experts(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens,
                      const std::vector<ExpertSlotSet> &sets);
// x += the weighted expert outputs (after every pair went through record_experts), and for hybrid models
// the shared expert's gated output.
Status record_combine(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);
// logits rows [0, n_rows) = output · rmsnorm(x) of tokens [first_token, first_token + n_rows).
Status record_lm_head(GpuRecorder &rec, const GpuPass &pass, uint32_t first_token, uint32_t n_rows);

// Pieces of the attention block the hybrid gated attention reuses (gpu_pass.cpp).
// scratch.h = rmsnorm(scratch.x) * weight.
Status record_input_norm(GpuRecorder &rec, const GpuPass &pass, const vulkan::Buffer *weight, uint32_t n_tokens);
// The layer's qkv matrices from scratch.h into their rows of scratch.qkv.
Status record_qkv_projections(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);
// Q/K norm and RoPE of the first n_rot dims, K/V to the cache, attention into scratch.attn.
Status record_attention_core(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens, uint32_t n_rot);
// x += attn_output · scratch.attn.
Status record_attention_output(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);
// Whether a call of n_tokens folds the block norms into the mat-vecs that read them (matmul_norm).
bool folds_norms(const GpuRecorder &rec, uint32_t n_tokens);
// y rows of g's parts from the block input: from scratch.h, or when norm_weight is given from
// rmsnorm(scratch.x) * norm_weight in the first part's dispatch, which also stores scratch.h for the
// other parts and later readers (only where the norm is folded: folds_norms).
Status record_row_group(GpuRecorder &rec, const GpuPass &pass, const GpuRowGroup &g, const vulkan::Buffer *norm_weight,
                        GpuActivations y, uint32_t n_tokens);

// Hybrid models (gpu_pass_hybrid.cpp). The layer's mixer on scratch.x: attn_norm, then GatedDeltaNet
// (recurrent layers; reads and writes pass.state_in / state_out) or gated attention; x += its output.
Status record_hybrid_mixer(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);
// x += sigmoid(gate_inp · h) * down(silu(gate · h) * (up · h)), h = scratch.h (the FFN-normed input).
Status record_shared_expert(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens);

}  // namespace moevk::session
