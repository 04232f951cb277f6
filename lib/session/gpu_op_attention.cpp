// gpu_op_attention.cpp — the KV cache layout and the recording of kv_write, qk_norm_rope_kv and attention.
#include <algorithm>
#include <optional>
#include <string>

#include "session/gpu_ops.h"

namespace moevk::session {
namespace {

using vulkan::Access;

struct KvWritePush {
    uint32_t n_tokens, qkv_stride, k_offset, v_offset;
    uint32_t k_base, k_width, k_scale_base;
    uint32_t v_base, v_width, v_scale_base;
};

struct AttentionPush {
    uint32_t n_tokens, n_head, n_head_kv, head_dim_k, head_dim_v, qkv_stride;
    uint32_t k_base, k_width, k_scale_base;
    uint32_t v_base, v_width, v_scale_base;
    uint32_t out_stride;
    float scale;
};

struct TiledPush {
    uint32_t n_tokens, n_head, head_dim_k, head_dim_v, qkv_stride;
    uint32_t k_base, k_width, k_scale_base;
    uint32_t v_base, v_width, v_scale_base;
    uint32_t out_stride;
    float scale;
};

struct SplitPush {
    uint32_t token_base, n_head, head_dim_k, head_dim_v, qkv_stride;
    uint32_t k_base, k_width, k_scale_base;
    uint32_t v_base, v_width, v_scale_base;
    uint32_t out_stride, max_splits;
    float scale;
};

struct CombinePush {
    uint32_t token_base, n_head, head_dim_v, out_stride, max_splits, key_tile;
};

// Keys attention_split.comp stages in shared memory at once; smaller only where the shared memory is short.
constexpr uint32_t kKeyTile = 32;

uint64_t attention_shared_bytes(uint32_t group, uint32_t max_head_dim, uint32_t key_tile) {
    return 4ull * (group * max_head_dim + key_tile * (max_head_dim + 1) + group * key_tile + 3 * group);
}

uint32_t kv_unit(KvType type) { return type == KvType::kF32 ? 1 : type == KvType::kF16 ? 2 : 32; }

// the largest head qk_norm_rope_kv stages in shared memory (2 KiB of floats)
constexpr uint32_t kQkNormRopeMaxHeadDim = 512;

}  // namespace

StatusOr<KvLayout> make_kv_layout(KvType type, uint32_t n_ctx, uint32_t k_width, uint32_t v_width) {
    const uint32_t unit = kv_unit(type);
    if (k_width % unit != 0 || v_width % unit != 0)
        return unsupported(std::string("KV cache type ") + kv_type_name(type) + " needs K/V row widths that are " +
                           "multiples of " + std::to_string(unit) + " (have " + std::to_string(k_width) + ", " +
                           std::to_string(v_width) + ")");
    KvLayout l;
    l.type = type;
    uint64_t words = 0;
    auto region = [&](uint32_t width, KvRegion *r) {
        r->width = width;
        r->base = (uint32_t)words;
        const uint64_t values = (uint64_t)n_ctx * width;
        switch (type) {
            case KvType::kF32: words += values; break;
            case KvType::kF16: words += values / 2; break;
            case KvType::kQ8_0:
                words += values / 4;
                r->scale_base = (uint32_t)words;
                words += values / 32;
                break;
        }
    };
    region(k_width, &l.k);
    region(v_width, &l.v);
    if (words >= (1ull << 31)) return unsupported("KV cache of one layer is over 8 GiB");
    l.n_ctx = n_ctx;
    l.total_bytes = words * 4;
    return l;
}

Status record_kv_write(GpuRecorder &rec, const KvWriteOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    if (op.qkv.offset != 0) return internal_error("kv_write: qkv offset must be 0");
    vulkan::PipelineDesc desc;
    desc.variant = kv_variant("kv_write", op.layout.type);
    desc.n_buffers = 3;
    desc.push_constant_bytes = sizeof(KvWritePush);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    const KvLayout &l = op.layout;
    KvWritePush pc{op.n_tokens, op.qkv.stride, op.k_offset, op.v_offset,
                   l.k.base,    l.k.width,     l.k.scale_base, l.v.base, l.v.width, l.v.scale_base};
    const uint32_t units = (l.k.width + l.v.width) / kv_unit(l.type);
    return rec.stream.dispatch(*pipe,
                               {{op.qkv.buffer, 0, 0, Access::kRead},
                                {op.cache, 0, 0, Access::kReadWrite},
                                {op.positions, 0, 0, Access::kRead}},
                               &pc, sizeof pc, {(units + desc.workgroup_size - 1) / desc.workgroup_size, op.n_tokens, 1});
}

namespace {

struct QkNormRopeKvPush {
    uint32_t n_tokens, n_head, n_head_kv, head_dim, n_rot, qkv_stride, k_offset;
    float eps;
    uint32_t v_offset, head_dim_v;
    uint32_t k_base, k_width, k_scale_base, v_base, v_width, v_scale_base;
};

}  // namespace

Status record_qk_norm_rope_kv(GpuRecorder &rec, const QkNormRopeKvOp &op) {
    const QkNormRopeOp &r = op.rope;
    const KvLayout &l = op.layout;
    const uint32_t unit = kv_unit(l.type);
    const uint32_t max_dim = std::max(r.head_dim, op.head_dim_v);
    if (r.head_dim % unit != 0 || op.head_dim_v % unit != 0 || max_dim > kQkNormRopeMaxHeadDim) {
        // a unit would span two heads (or a head the kernel cannot stage): the separate kernels
        MOEVK_RETURN_IF_ERROR(record_qk_norm_rope(rec, r));
        KvWriteOp kv;
        kv.qkv = r.qkv;
        kv.k_offset = r.k_offset;
        kv.v_offset = op.v_offset;
        kv.n_tokens = r.n_tokens;
        kv.positions = r.positions;
        kv.cache = op.cache;
        kv.layout = l;
        return record_kv_write(rec, kv);
    }
    if (r.n_tokens == 0) return Status::ok();
    if (r.qkv.offset != 0 || r.n_rot % 2 != 0 || r.n_rot > r.head_dim)
        return internal_error("qk_norm_rope_kv: qkv offset must be 0 and n_rot even and <= head_dim");
    if (l.k.width != r.n_head_kv * r.head_dim || l.v.width != r.n_head_kv * op.head_dim_v)
        return internal_error("qk_norm_rope_kv: the cache rows are not n_head_kv heads wide");
    vulkan::PipelineDesc desc;
    desc.variant = kv_variant("qk_norm_rope_kv", l.type);
    desc.n_buffers = 6;
    desc.push_constant_bytes = sizeof(QkNormRopeKvPush);
    desc.workgroup_size = rec.kernels.reduce_workgroup();
    // rounded up so models of similar shape share one pipeline
    desc.spec_constants = {{2, (max_dim + 63) / 64 * 64}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    QkNormRopeKvPush pc{r.n_tokens, r.n_head,   r.n_head_kv,    r.head_dim, r.n_rot,   r.qkv.stride,
                        r.k_offset, r.eps,      op.v_offset,    op.head_dim_v,
                        l.k.base,   l.k.width,  l.k.scale_base, l.v.base,   l.v.width, l.v.scale_base};
    return rec.stream.dispatch(*pipe,
                               {{r.qkv.buffer, 0, 0, Access::kReadWrite},
                                {r.q_norm, 0, 0, Access::kRead},
                                {r.k_norm, 0, 0, Access::kRead},
                                {r.rope_table, 0, 0, Access::kRead},
                                {r.positions, 0, 0, Access::kRead},
                                {op.cache, 0, 0, Access::kReadWrite}},
                               &pc, sizeof pc, {r.n_head + 2 * r.n_head_kv, r.n_tokens, 1});
}

uint64_t attention_partials_bytes(uint32_t n_head, uint32_t head_dim_v, uint32_t n_tokens) {
    return 4ull * n_tokens * n_head * kAttentionMaxSplits * (head_dim_v + 2);
}

namespace {

Status record_per_head(GpuRecorder &rec, const AttentionOp &op) {
    const uint32_t wg = rec.kernels.attention_workgroup();
    const uint32_t max_dim = std::max(op.head_dim_k, op.head_dim_v);
    // Spec constants rounded up so models of similar shape share one pipeline.
    const uint32_t max_head_dim = (max_dim + 63) / 64 * 64;
    const uint32_t out_per_lane = (op.head_dim_v + wg - 1) / wg;
    const uint64_t shared_bytes = 4ull * (max_head_dim + 2 * wg);
    if (shared_bytes > rec.kernels.device().info().max_compute_shared_memory_bytes)
        return unsupported("attention: head dim " + std::to_string(max_dim) + " needs more shared memory than the device has");
    vulkan::PipelineDesc desc;
    desc.variant = kv_variant("attention", op.layout.type);
    desc.n_buffers = 4;
    desc.push_constant_bytes = sizeof(AttentionPush);
    desc.workgroup_size = wg;
    desc.spec_constants = {{2, max_head_dim}, {3, out_per_lane}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    const KvLayout &l = op.layout;
    AttentionPush pc{op.n_tokens, op.n_head,  op.n_head_kv,  op.head_dim_k, op.head_dim_v, op.qkv.stride,
                     l.k.base,    l.k.width,  l.k.scale_base, l.v.base,     l.v.width,     l.v.scale_base,
                     op.out.stride, op.scale};
    return rec.stream.dispatch(*pipe,
                               {{op.qkv.buffer, 0, 0, Access::kRead},
                                {op.cache, 0, 0, Access::kRead},
                                {op.positions, 0, 0, Access::kRead},
                                {op.out.buffer, 0, 0, Access::kWrite}},
                               &pc, sizeof pc, {op.n_head, op.n_tokens, 1});
}

Status record_split(GpuRecorder &rec, const AttentionOp &op) {
    const uint32_t wg = rec.kernels.attention_workgroup();
    const uint32_t group = op.n_head / op.n_head_kv;
    const uint32_t max_dim = std::max(op.head_dim_k, op.head_dim_v);
    // Spec constants rounded up so models of similar shape share one pipeline.
    const uint32_t max_head_dim = (max_dim + 63) / 64 * 64;
    const uint32_t out_per_lane = (group * op.head_dim_v + wg - 1) / wg;
    const uint64_t shared_limit = rec.kernels.device().info().max_compute_shared_memory_bytes;
    uint32_t key_tile = kKeyTile;
    while (key_tile > 1 && attention_shared_bytes(group, max_head_dim, key_tile) > shared_limit) key_tile /= 2;
    if (group > wg || attention_shared_bytes(group, max_head_dim, key_tile) > shared_limit)
        return unsupported("attention: " + std::to_string(group) + " query heads per KV head of dim " +
                           std::to_string(max_dim) + " need more shared memory or invocations than the device has");
    // tokens are recorded in groups whose partials fit the buffer
    const uint64_t group_tokens =
        op.partials ? op.partials->size_bytes() / attention_partials_bytes(op.n_head, op.head_dim_v, 1) : 0;
    if (group_tokens == 0) return internal_error("attention: no partials buffer or one too small for a token");
    const uint32_t max_splits = kAttentionMaxSplits;
    // no token splits into more workgroups than its keys have tiles
    const uint32_t grid_splits = std::max<uint32_t>(1, std::min(max_splits, (op.layout.n_ctx + key_tile - 1) / key_tile));

    vulkan::PipelineDesc desc;
    desc.variant = kv_variant("attention_split", op.layout.type);
    desc.n_buffers = 5;
    desc.push_constant_bytes = sizeof(SplitPush);
    desc.workgroup_size = wg;
    desc.spec_constants = {{2, max_head_dim}, {3, out_per_lane}, {4, group}, {5, key_tile}};
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    vulkan::PipelineDesc combine_desc;
    combine_desc.variant = "attention_combine";
    combine_desc.n_buffers = 3;
    combine_desc.push_constant_bytes = sizeof(CombinePush);
    combine_desc.workgroup_size = rec.kernels.reduce_workgroup();
    combine_desc.spec_constants = {{2, max_splits}};
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *combine, rec.kernels.get(combine_desc));

    const KvLayout &l = op.layout;
    for (uint32_t base = 0; base < op.n_tokens; base += (uint32_t)group_tokens) {
        const uint32_t n = (uint32_t)std::min<uint64_t>(group_tokens, op.n_tokens - base);
        SplitPush pc{base,     op.n_head,  op.head_dim_k,   op.head_dim_v, op.qkv.stride,
                     l.k.base, l.k.width,  l.k.scale_base,  l.v.base,      l.v.width,
                     l.v.scale_base, op.out.stride, max_splits, op.scale};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(*pipe,
                                                  {{op.qkv.buffer, 0, 0, Access::kRead},
                                                   {op.cache, 0, 0, Access::kRead},
                                                   {op.positions, 0, 0, Access::kRead},
                                                   {op.out.buffer, 0, 0, Access::kWrite},
                                                   {op.partials, 0, 0, Access::kWrite}},
                                                  &pc, sizeof pc, {op.n_head_kv, n, grid_splits}));
        if (grid_splits == 1) continue;
        CombinePush cp{base, op.n_head, op.head_dim_v, op.out.stride, max_splits, key_tile};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(*combine,
                                                  {{op.positions, 0, 0, Access::kRead},
                                                   {op.partials, 0, 0, Access::kRead},
                                                   {op.out.buffer, 0, 0, Access::kWrite}},
                                                  &cp, sizeof cp, {op.n_head, n, 1}));
    }
    return Status::ok();
}

// How attention_tiled.comp covers a shape on this device: query rows of LANES invocations, Q_TOKENS tokens
// of GROUP heads per workgroup, key tiles that fit the shared memory.
struct TiledPlan {
    uint32_t workgroup, max_head_dim, lanes, group, key_tile, q_tokens;
};

std::optional<TiledPlan> tiled_plan(const GpuKernels &kernels, const AttentionOp &op) {
    const vulkan::DeviceInfo &info = kernels.device().info();
    TiledPlan p;
    p.workgroup = kernels.attention_workgroup();
    p.max_head_dim = (std::max(op.head_dim_k, op.head_dim_v) + 63) / 64 * 64;  // shared by similar shapes
    p.group = op.n_head / op.n_head_kv;
    // ~32 dims a lane: few registers, a short shuffle tree; a power of 2 whose vec4 split the row evenly
    p.lanes = 1;
    while (p.lanes * 2 <= p.max_head_dim / 32 && p.max_head_dim % (8 * p.lanes) == 0) p.lanes *= 2;
    if (p.lanes > info.subgroup_size || p.workgroup % info.subgroup_size != 0) return std::nullopt;
    p.q_tokens = p.workgroup / p.lanes / p.group;
    if (p.q_tokens == 0) return std::nullopt;  // more query heads per KV head than rows
    p.key_tile = kKeyTile;
    const auto shared_bytes = [&](uint32_t tile) { return 2ull * tile * p.max_head_dim * 4 + 4; };
    while (p.key_tile > 4 && shared_bytes(p.key_tile) > info.max_compute_shared_memory_bytes) p.key_tile /= 2;
    if (shared_bytes(p.key_tile) > info.max_compute_shared_memory_bytes) return std::nullopt;
    return p;
}

Status record_tiled(GpuRecorder &rec, const AttentionOp &op, const TiledPlan &p) {
    vulkan::PipelineDesc desc;
    desc.variant = kv_variant("attention_tiled", op.layout.type);
    desc.n_buffers = 4;
    desc.push_constant_bytes = sizeof(TiledPush);
    desc.workgroup_size = p.workgroup;
    desc.spec_constants = {{2, p.max_head_dim}, {3, p.lanes}, {4, p.group}, {5, p.key_tile}, {6, p.q_tokens}};
    desc.required_features = vulkan::kFeatureSubgroupShuffle;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    const KvLayout &l = op.layout;
    TiledPush pc{op.n_tokens, op.n_head,      op.head_dim_k, op.head_dim_v,   op.qkv.stride,
                 l.k.base,    l.k.width,      l.k.scale_base, l.v.base,       l.v.width,
                 l.v.scale_base, op.out.stride, op.scale};
    return rec.stream.dispatch(*pipe,
                               {{op.qkv.buffer, 0, 0, Access::kRead},
                                {op.cache, 0, 0, Access::kRead},
                                {op.positions, 0, 0, Access::kRead},
                                {op.out.buffer, 0, 0, Access::kWrite}},
                               &pc, sizeof pc, {op.n_head_kv, (op.n_tokens + p.q_tokens - 1) / p.q_tokens, 1});
}

}  // namespace

Status record_attention(GpuRecorder &rec, const AttentionOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    if (op.qkv.offset != 0 || op.out.offset != 0) return internal_error("attention: offsets must be 0");
    if (op.n_head_kv == 0 || op.n_head % op.n_head_kv != 0)
        return unsupported("attention: n_head " + std::to_string(op.n_head) + " is not a multiple of n_head_kv " +
                           std::to_string(op.n_head_kv));
    if (rec.kernels.tiled_attention(op.n_tokens))
        if (const std::optional<TiledPlan> plan = tiled_plan(rec.kernels, op)) return record_tiled(rec, op, *plan);
    return rec.kernels.attention_split() ? record_split(rec, op) : record_per_head(rec, op);
}

}  // namespace moevk::session
