// gpu_op_attention.cpp — the KV cache layout and the recording of kv_write and attention.
#include <algorithm>
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

uint32_t kv_unit(KvType type) { return type == KvType::kF32 ? 1 : type == KvType::kF16 ? 2 : 32; }

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

Status record_attention(GpuRecorder &rec, const AttentionOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    if (op.qkv.offset != 0 || op.out.offset != 0) return internal_error("attention: offsets must be 0");
    if (op.n_head_kv == 0 || op.n_head % op.n_head_kv != 0)
        return unsupported("attention: n_head " + std::to_string(op.n_head) + " is not a multiple of n_head_kv " +
                           std::to_string(op.n_head_kv));
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

}  // namespace moevk::session
