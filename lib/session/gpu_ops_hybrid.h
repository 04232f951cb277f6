// gpu_ops_hybrid.h — recording of the kernels that only the hybrid qwen3next / qwen35moe models use
// (docs/hybrid-models.md): the GatedDeltaNet block's conv and gated delta recurrence, the gated attention's
// query/gate split and sigmoid gate, and the shared expert's SwiGLU and gated add. Same conventions as
// gpu_ops.h: activations are float buffers bound whole and addressed by float offsets; every kernel is
// batch-invariant (a token's result never depends on the other tokens of its call); the CPU twin of each
// op is named in its comment. Implemented in gpu_op_hybrid.cpp.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "session/gpu_ops.h"

namespace moevk::session {

// Causal depthwise conv1d of d_conv taps + SiLU over a chunk of tokens, carrying the state across calls
// (reference::conv1d_silu_step applied token after token). weight: float32 [channels][d_conv] (tap d_conv-1
// multiplies the newest input). State: float32 [channels][d_conv - 1], oldest input first, read from
// state_in; the last d_conv - 1 inputs (of the chunk, or of the old state and the chunk when it is short) are
// written to state_out. state_in and state_out may be the same buffer (in place) or two (ping-pong: a failed
// submission then leaves the old state intact).
struct SsmConvOp {
    GpuActivations x;    // [t][channels]: the ssm_qkv projection
    GpuActivations out;  // [t][channels]; must not alias x
    const vulkan::Buffer *weight = nullptr;
    const vulkan::Buffer *state_in = nullptr, *state_out = nullptr;
    uint32_t state_offset = 0;  // first float of this layer's conv state in state_in and in state_out
    uint32_t n_tokens = 0;
    uint32_t channels = 0;
    uint32_t d_conv = 0;  // >= 1
};
Status record_ssm_conv(GpuRecorder &rec, const SsmConvOp &op);

// The GatedDeltaNet core of one layer over a chunk of tokens, token after token, carrying the SSM state
// (reference forward_hybrid.cpp delta_net_block from the conv output on): per token, L2-normalise each key
// head's q and k (eps = the model's rms_eps); per value head vh with key head kh = k_head_of(vh):
// beta = sigmoid(b), g = softplus(a + dt_bias[vh]) * ssm_a[vh]; the gated delta step
// (reference::gated_delta_step, scale 1/sqrt(head_dim)); then out = rms_norm_gated(o, norm_weight, z).
struct GatedDeltaOp {
    GpuActivations conv;  // [t][2*key_dim + value_dim]: q heads, k heads, v heads (after conv + SiLU)
    GpuActivations ba;    // [t][2 * n_v_heads]: raw beta and alpha logits, layout by ba_group below
    GpuActivations z;     // [t][value_dim]: the gated norm's gate
    GpuActivations out;   // [t][value_dim]
    const vulkan::Buffer *dt_bias = nullptr;      // float32 [n_v_heads]
    const vulkan::Buffer *ssm_a = nullptr;        // float32 [n_v_heads], -exp(A_log) as GGUF stores it
    const vulkan::Buffer *norm_weight = nullptr;  // float32 [head_dim]
    // float32 [n_v_heads][head_dim][head_dim] (S[vh][i][j], key index i), read from state_in, the state
    // after the chunk written to state_out (the same buffer: in place; two: ping-pong, as SsmConvOp).
    const vulkan::Buffer *state_in = nullptr, *state_out = nullptr;
    uint32_t state_offset = 0;  // first float of this layer's SSM state in state_in and in state_out
    uint32_t n_tokens = 0;
    uint32_t n_k_heads = 0, n_v_heads = 0;
    uint32_t head_dim = 0;  // head_k_dim == head_v_dim
    // beta of value head vh is at ba[(vh / ba_group) * 2 * ba_group + vh % ba_group], alpha ba_group values
    // later: qwen3next's fused ssm_ba has ba_group = n_v_heads / n_k_heads; qwen35moe's separate beta then
    // alpha rows have ba_group = n_v_heads.
    uint32_t ba_group = 0;
    // Key head of value head vh: vh % n_k_heads when true (qwen35moe), vh / (n_v_heads / n_k_heads) when
    // false (qwen3next); model::HParams::ssm_k_head_of.
    bool k_head_interleaved = false;
    float eps = 1e-6f;
};
// Chooses the kernel: gated_delta_chunked when n_tokens >= kGatedDeltaChunkedMinTokens and it takes the op
// (record_gated_delta_chunked), else gated_delta token after token. Either way every token's result is within
// float32 rounding of the reference; bits depend on the kernel and, chunked, on where the sub-chunks start:
// splitting a prompt into calls differently may change bits (DESIGN.md section 7), the same calls never do.
Status record_gated_delta(GpuRecorder &rec, const GatedDeltaOp &op);

// Prefill form of the same op: the tokens in sub-chunks of kGatedDeltaChunk, each sub-chunk's work parallel
// (reference::gated_delta_chunked's algorithm), then the gated RMSNorm in a second dispatch. Takes head_dim a
// multiple of 4 up to 128 and out disjoint from z (kUnsupported otherwise), any n_tokens.
constexpr uint32_t kGatedDeltaChunk = 16;
constexpr uint32_t kGatedDeltaChunkedMinTokens = kGatedDeltaChunk;
Status record_gated_delta_chunked(GpuRecorder &rec, const GatedDeltaOp &op);

// Gated attention's fused query: per head, head_dim query values then head_dim gate values. Copies the
// queries to q (head after head, head_dim each) and the gates to gate.
struct SplitQGateOp {
    GpuActivations qg;    // [t][2 * n_head * head_dim]
    GpuActivations q;     // [t][n_head * head_dim] (e.g. the Q part of the fused q|k|v row)
    GpuActivations gate;  // [t][n_head * head_dim]
    uint32_t n_tokens = 0;
    uint32_t n_head = 0;
    uint32_t head_dim = 0;
};
Status record_split_q_gate(GpuRecorder &rec, const SplitQGateOp &op);

// x[t][i] *= sigmoid(gate[t][i]) for i < width (reference::sigmoid_gate).
struct SigmoidMulOp {
    GpuActivations x;
    GpuActivations gate;
    uint32_t n_tokens = 0;
    uint32_t width = 0;
};
Status record_sigmoid_mul(GpuRecorder &rec, const SigmoidMulOp &op);

// out[t][i] = silu(gate[t][i]) * up[t][i] (reference::swiglu); the shared expert's activation.
struct SwigluOp {
    GpuActivations gate, up, out;
    uint32_t n_tokens = 0;
    uint32_t width = 0;
};
Status record_swiglu(GpuRecorder &rec, const SwigluOp &op);

// x[t][i] += sigmoid(logit[t]) * y[t][i]: the shared expert's sigmoid-gated output added to the residual.
// logit: one float per token at logit.offset + t * logit.stride.
struct GatedAddOp {
    GpuActivations x, y, logit;
    uint32_t n_tokens = 0;
    uint32_t width = 0;
};
Status record_gated_add(GpuRecorder &rec, const GatedAddOp &op);

}  // namespace moevk::session
