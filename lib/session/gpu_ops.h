// gpu_ops.h — one function per kernel that records its dispatch(es) into a CommandStream: the push
// constants and bindings of kernels/*.comp live here and nowhere else. Large weight tensors are bound in
// chunks under the device's binding limit (vulkan/binding_chunks.h). Activations are float buffers bound
// whole, addressed by float offsets; they must fit one binding. Nothing here knows the model's layer order
// (gpu_forward.cpp does).
#pragma once

#include <cstdint>

#include "core/status.h"
#include "model/ggml_type.h"
#include "session/gpu_forward.h"
#include "session/gpu_kernels.h"
#include "vulkan/buffer.h"
#include "vulkan/command_stream.h"

namespace moevk::session {

// Where the recording goes and which pipelines it uses.
struct GpuRecorder {
    GpuKernels &kernels;
    vulkan::CommandStream &stream;
};

// A GGUF weight matrix of n_rows rows (ne[1]) of n_cols elements (ne[0]) at byte offset in buffer.
struct GpuMatrix {
    const vulkan::Buffer *buffer = nullptr;
    uint64_t offset = 0;
    model::GgmlType type = model::GgmlType::kF32;
    uint32_t n_rows = 0;
    uint32_t n_cols = 0;
    uint64_t row_bytes = 0;
};

// A float activation tensor: token t's values start at float offset + t * stride.
struct GpuActivations {
    const vulkan::Buffer *buffer = nullptr;
    uint32_t offset = 0;
    uint32_t stride = 0;
};

// y[t][r] = W[r] · x[t] (+ y when accumulate), for tokens [0, n_tokens).
struct MatmulOp {
    GpuMatrix w;
    GpuActivations x;
    GpuActivations y;
    uint32_t n_tokens = 0;
    bool accumulate = false;
};
Status record_matmul(GpuRecorder &rec, const MatmulOp &op);

// y[t][r] = W[r] · h[t], h[t] = rmsnorm(x[t], eps) * norm_weight: record_rms_norm then record_matmul in one
// dispatch, bit for bit; h is also stored when h.buffer is set. Each workgroup takes its tokens' norms
// itself: meant for a few tokens (decode).
struct MatmulNormOp {
    GpuMatrix w;
    GpuActivations x;
    const vulkan::Buffer *norm_weight = nullptr;  // f32, n_cols
    float eps = 0.0f;
    GpuActivations y;
    GpuActivations h;  // buffer null: h is not stored
    uint32_t n_tokens = 0;
};
Status record_matmul_norm(GpuRecorder &rec, const MatmulNormOp &op);

// out[t] = row ids[t] of table, dequantised. ids: int32 per token at the start of the buffer.
struct GetRowsOp {
    GpuMatrix table;
    const vulkan::Buffer *ids = nullptr;
    GpuActivations out;
    uint32_t n_tokens = 0;
};
Status record_get_rows(GpuRecorder &rec, const GetRowsOp &op);

// y = rmsnorm(x) * w over rows of n_cols; rows_per_token rows (heads) per token, one after another.
struct RmsNormOp {
    GpuActivations x;
    GpuActivations y;  // may equal x
    const vulkan::Buffer *weight = nullptr;  // n_cols floats
    uint32_t n_tokens = 0;
    uint32_t rows_per_token = 1;
    uint32_t n_cols = 0;
    float eps = 1e-6f;
};
Status record_rms_norm(GpuRecorder &rec, const RmsNormOp &op);

// Per-head RMSNorm + NeoX RoPE of the Q and K heads of fused q|k|v rows, in place.
struct QkNormRopeOp {
    GpuActivations qkv;  // offset must be 0: Q starts each row
    uint32_t k_offset = 0;  // first K value in a row
    uint32_t n_tokens = 0;
    uint32_t n_head = 0, n_head_kv = 0;
    uint32_t head_dim = 0;
    uint32_t n_rot = 0;
    const vulkan::Buffer *q_norm = nullptr;  // head_dim floats
    const vulkan::Buffer *k_norm = nullptr;
    const vulkan::Buffer *rope_table = nullptr;  // make_rope_table()
    const vulkan::Buffer *positions = nullptr;   // int32 per token
    float eps = 1e-6f;
};
Status record_qk_norm_rope(GpuRecorder &rec, const QkNormRopeOp &op);

// (cos, sin) of pos * freq_base^(-2i/n_rot) for pos < n_pos, i < n_rot/2, computed in float64 exactly as
// reference::rope_neox does and rounded to float: [pos][i][2].
std::vector<float> make_rope_table(uint32_t n_pos, uint32_t n_rot, float freq_base);

// Word layout of one layer's K/V cache buffer (kernels/common/kv_cache.glsl).
struct KvRegion {
    uint32_t base = 0;        // first word
    uint32_t width = 0;       // values per position
    uint32_t scale_base = 0;  // q8_0: first word of the scales
};
struct KvLayout {
    KvType type = KvType::kF16;
    KvRegion k, v;
    uint32_t n_ctx = 0;  // positions
    uint64_t total_bytes = 0;
};
// Errors: kUnsupported when a width does not suit the type (f16: even; q8_0: multiple of 32).
StatusOr<KvLayout> make_kv_layout(KvType type, uint32_t n_ctx, uint32_t k_width, uint32_t v_width);

// Writes each token's K and V (at qkv row offsets k_offset / v_offset) to the cache at its position.
struct KvWriteOp {
    GpuActivations qkv;  // offset must be 0
    uint32_t k_offset = 0, v_offset = 0;
    uint32_t n_tokens = 0;
    const vulkan::Buffer *positions = nullptr;
    const vulkan::Buffer *cache = nullptr;
    KvLayout layout;
};
Status record_kv_write(GpuRecorder &rec, const KvWriteOp &op);

// qk_norm_rope, then the K heads it produced and the V heads (at v_offset) to the cache at each token's
// position: one dispatch (qk_norm_rope_kv) where each head is whole cache units, else the two ops.
struct QkNormRopeKvOp {
    QkNormRopeOp rope;
    uint32_t v_offset = 0;    // first V value in a row
    uint32_t head_dim_v = 0;
    const vulkan::Buffer *cache = nullptr;
    KvLayout layout;          // K width n_head_kv * rope.head_dim, V width n_head_kv * head_dim_v
};
Status record_qk_norm_rope_kv(GpuRecorder &rec, const QkNormRopeKvOp &op);

// Causal GQA attention of every token's Q heads (at the start of its qkv row) over cache positions [0, pos].
// On GPUs (GpuKernels::attention_split) a token's keys are split over up to kAttentionMaxSplits workgroups
// (flash-decoding) whose partial results go to partials and are merged by a second dispatch; tokens are
// recorded in groups the partials hold.
struct AttentionOp {
    GpuActivations qkv;  // offset must be 0
    GpuActivations out;  // offset must be 0; n_head * head_dim_v values per token
    uint32_t n_tokens = 0;
    uint32_t n_head = 0, n_head_kv = 0;
    uint32_t head_dim_k = 0, head_dim_v = 0;
    float scale = 1.0f;
    const vulkan::Buffer *positions = nullptr;
    const vulkan::Buffer *cache = nullptr;
    KvLayout layout;
    const vulkan::Buffer *partials = nullptr;  // split only: >= attention_partials_bytes(n_head, head_dim_v, 1)
};
constexpr uint32_t kAttentionMaxSplits = 32;
uint64_t attention_partials_bytes(uint32_t n_head, uint32_t head_dim_v, uint32_t n_tokens);
Status record_attention(GpuRecorder &rec, const AttentionOp &op);

// Softmax + top-k (+ renormalisation) of router logits. ids (int32) go to ids at int offset ids_offset +
// t * k + j; weights (float) to weights at t * k + j.
struct RouterOp {
    GpuActivations logits;  // offset must be 0
    uint32_t n_tokens = 0;
    uint32_t n_expert = 0;
    uint32_t k = 0;
    bool norm_topk = true;
    const vulkan::Buffer *ids = nullptr;
    uint32_t ids_offset = 0;
    const vulkan::Buffer *weights = nullptr;
};
constexpr uint32_t kMaxExpertsUsed = 16;
Status record_router(GpuRecorder &rec, const RouterOp &op);

// Experts in slots of one buffer: slot first_slot + i starts at offset + i * slot_bytes and holds a matrix
// of n_rows rows (gate_up: the gate rows, then the up rows at up_offset_bytes). Slot numbers are those of
// the slot table; the expert cache spreads its slots over several buffers (first_slot > 0).
struct GpuExpertSlots {
    const vulkan::Buffer *buffer = nullptr;
    uint64_t offset = 0;
    model::GgmlType type = model::GgmlType::kF32;
    uint32_t n_slots = 0;
    uint64_t slot_bytes = 0;
    uint32_t n_rows = 0;  // per matrix
    uint32_t n_cols = 0;
    uint64_t row_bytes = 0;
    uint64_t up_offset_bytes = 0;  // gate_up only
    uint32_t first_slot = 0;       // slot table number of the buffer's first slot
};

// A batch's (token, expert) pairs grouped by expert, so the expert kernels read an expert's rows once per
// tile of GpuKernels::moe_pair_tile() pairs routed to it, or gemm_pairs() for the tiled kernels
// (moe_group.comp has the layout).
struct MoeGroupOp {
    const vulkan::Buffer *ids = nullptr;  // pair p's expert at int offset ids_offset + p
    uint32_t ids_offset = 0;
    uint32_t n_pairs = 0;
    uint32_t n_expert = 0;
    const vulkan::Buffer *groups = nullptr;  // >= moe_groups_bytes(n_pairs)
    bool tiled = false;                      // tiles for the tiled expert kernels
};
uint64_t moe_groups_bytes(uint32_t n_pairs);
Status record_moe_group(GpuRecorder &rec, const MoeGroupOp &op);

// What record_moe_group wrote for the same ids and pairs; buffer null: one workgroup per pair. Results
// are bit-identical either way for the mat-vec kernels; tiled (the prompt kernels, GpuKernels::
// tiled_prefill) rounds differently.
struct MoeGroups {
    const vulkan::Buffer *buffer = nullptr;
    uint32_t n_expert = 0;
    bool tiled = false;  // as MoeGroupOp::tiled: run the tiled expert kernels
};

// act[t * k + j] = silu(gate_e x[t]) * (up_e x[t]) for e = ids[t][j], slot slot_table[e].
struct MoeGateUpOp {
    GpuExpertSlots slots;
    GpuActivations x;  // offset must be 0
    const vulkan::Buffer *ids = nullptr;
    uint32_t ids_offset = 0;
    const vulkan::Buffer *slot_table = nullptr;  // uint32 per expert
    const vulkan::Buffer *act = nullptr;         // [t * k + j][n_rows]
    uint32_t n_tokens = 0;
    uint32_t k = 0;
    MoeGroups groups;
};
Status record_moe_gate_up(GpuRecorder &rec, const MoeGateUpOp &op);

// out[pair] = down_e · act[pair] for each (token, j) pair.
struct MoeDownOp {
    GpuExpertSlots slots;
    const vulkan::Buffer *act = nullptr;  // [pair][n_cols]
    const vulkan::Buffer *ids = nullptr;
    uint32_t ids_offset = 0;
    const vulkan::Buffer *slot_table = nullptr;
    const vulkan::Buffer *out = nullptr;  // [pair][n_rows]
    uint32_t n_pairs = 0;
    MoeGroups groups;
};
Status record_moe_down(GpuRecorder &rec, const MoeDownOp &op);

// x[t] += sum_j weights[t][j] * expert_out[t * k + j].
struct MoeCombineOp {
    const vulkan::Buffer *expert_out = nullptr;
    const vulkan::Buffer *weights = nullptr;
    const vulkan::Buffer *x = nullptr;  // [t][n_embd]
    uint32_t n_tokens = 0;
    uint32_t k = 0;
    uint32_t n_embd = 0;
};
Status record_moe_combine(GpuRecorder &rec, const MoeCombineOp &op);

// x[t] += sum_j weights[t][j] * (down_e · act[t * k + j]) for e = ids[t][j]: record_moe_down then
// record_moe_combine in one dispatch, bit for bit. Every slot must lie in one binding
// (moe_slots_in_one_binding), and every chosen expert in a slot.
struct MoeDownCombineOp {
    GpuExpertSlots slots;
    const vulkan::Buffer *act = nullptr;  // [t * k + j][n_cols]
    const vulkan::Buffer *ids = nullptr;
    uint32_t ids_offset = 0;
    const vulkan::Buffer *slot_table = nullptr;
    const vulkan::Buffer *weights = nullptr;  // [t][k]
    const vulkan::Buffer *x = nullptr;        // [t][n_rows]
    uint32_t n_tokens = 0;
    uint32_t k = 0;
};
StatusOr<bool> moe_slots_in_one_binding(const vulkan::Device &device, const GpuExpertSlots &slots);
Status record_moe_down_combine(GpuRecorder &rec, const MoeDownCombineOp &op);

}  // namespace moevk::session
