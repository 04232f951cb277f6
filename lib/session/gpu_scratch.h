// gpu_scratch.h — the activation buffers of one forward pass, sized for max_batch tokens, and the per-call
// inputs/outputs the host touches (tokens, positions, routing ids, logits) in host-visible memory.
// Every buffer fits one storage-buffer binding; the batch is reduced until it does.
#pragma once

#include <memory>

#include "core/status.h"
#include "model/model.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::session {

// Widths (floats per token) of the activations of a model; the hybrid ones are 0 for qwen3moe.
struct ActivationShape {
    uint32_t n_embd, q_dim, k_dim, v_dim, attn_dim, n_expert, k_used, n_ff, n_vocab, n_layer;
    uint32_t n_head = 0, head_dim_v = 0;  // attention heads (attn_dim = n_head * head_dim_v)
    // hybrid (docs/hybrid-models.md): GatedDeltaNet conv channels, value width and value heads; shared
    // expert width
    uint32_t conv_dim = 0, ssm_v_dim = 0, ssm_v_heads = 0, n_ff_shexp = 0;
    uint32_t qkv_dim() const { return q_dim + k_dim + v_dim; }
    // the router's row: the expert logits, then in hybrid models the shared expert's gate logit
    uint32_t router_dim() const { return n_expert + (hybrid() ? 1 : 0); }
    // a GatedDeltaNet layer's projected row: conv input | z | beta and alpha logits
    uint32_t ssm_proj_dim() const { return conv_dim + ssm_v_dim + 2 * ssm_v_heads; }
    bool hybrid() const { return conv_dim > 0; }
    static ActivationShape of(const model::HParams &hp);
};

struct GpuScratch {
    uint32_t max_batch = 0;     // tokens per pass
    uint32_t logits_rows = 0;   // token rows the logits buffer holds
    std::unique_ptr<vulkan::Buffer> tokens, positions;  // int32 [max_batch], host-written
    std::unique_ptr<vulkan::Buffer> x, h;               // [max_batch][n_embd]: residual stream, normed input
    std::unique_ptr<vulkan::Buffer> qkv;                // [max_batch][q|k|v]
    std::unique_ptr<vulkan::Buffer> attn;               // [max_batch][n_head * head_dim_v]
    std::unique_ptr<vulkan::Buffer> attn_partials;      // split attention's partial results (AttentionOp)
    std::unique_ptr<vulkan::Buffer> router_logits;      // [max_batch][router_dim()]
    std::unique_ptr<vulkan::Buffer> expert_ids;         // int32 [n_layer][max_batch][k_used], host-read (traces)
    std::unique_ptr<vulkan::Buffer> expert_weights;     // [max_batch][k_used]
    std::unique_ptr<vulkan::Buffer> expert_groups;      // the pairs of one layer grouped by expert (MoeGroupOp)
    std::unique_ptr<vulkan::Buffer> act;                // [max_batch * k_used][n_ff]
    std::unique_ptr<vulkan::Buffer> expert_out;         // [max_batch * k_used][n_embd]
    std::unique_ptr<vulkan::Buffer> logits;             // [logits_rows][n_vocab], host-read
    // Hybrid models only (null otherwise).
    std::unique_ptr<vulkan::Buffer> qg;                 // [max_batch][2 * q_dim]: gated attention's query|gate
    std::unique_ptr<vulkan::Buffer> attn_gate;          // [max_batch][q_dim]: its output gate
    std::unique_ptr<vulkan::Buffer> ssm_proj;           // [max_batch][ssm_proj_dim()]: the input projections
    std::unique_ptr<vulkan::Buffer> ssm_conv;           // [max_batch][conv_dim]: conv output
    std::unique_ptr<vulkan::Buffer> ssm_out;            // [max_batch][ssm_v_dim]: delta output
    std::unique_ptr<vulkan::Buffer> shexp_gate_up;      // [max_batch][2 * n_ff_shexp]: gate | up
    std::unique_ptr<vulkan::Buffer> shexp_act;          // [max_batch][n_ff_shexp]
    std::unique_ptr<vulkan::Buffer> shexp_out;          // [max_batch][n_embd]

    uint64_t total_bytes() const;  // of every buffer above
};

// Allocates the scratch for at most requested_batch tokens per pass (fewer when a buffer would not fit one
// binding or the dispatch grid). Errors: kUnsupported (not even one token fits), kOutOfMemory, kDevice.
StatusOr<std::unique_ptr<GpuScratch>> create_scratch(const vulkan::Device &device, const ActivationShape &shape,
                                                     uint32_t requested_batch);

}  // namespace moevk::session
