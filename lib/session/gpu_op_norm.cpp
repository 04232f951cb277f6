// gpu_op_norm.cpp — recording of the normalisation kernels: rms_norm (block norms, per-head norms) and the
// fused Q/K norm + RoPE; and the RoPE angle table they read.
#include <cmath>

#include "session/gpu_ops.h"

namespace moevk::session {
namespace {

using vulkan::Access;

struct RmsNormPush {
    uint32_t n_rows, n_cols, rows_per_token;
    float eps;
    uint32_t x_offset, x_stride, y_offset, y_stride;
};

struct QkNormRopePush {
    uint32_t n_tokens, n_head, n_head_kv, head_dim, n_rot, qkv_stride, k_offset;
    float eps;
};

}  // namespace

Status record_rms_norm(GpuRecorder &rec, const RmsNormOp &op) {
    const uint32_t n_rows = op.n_tokens * op.rows_per_token;
    if (n_rows == 0) return Status::ok();
    vulkan::PipelineDesc desc;
    desc.variant = "rms_norm";
    desc.n_buffers = 3;
    desc.push_constant_bytes = sizeof(RmsNormPush);
    desc.workgroup_size = rec.kernels.reduce_workgroup();
    // wide loads as matmul_norm's: the same sum of squares (kernels/common/sum_sq.glsl)
    desc.spec_constants = {{4, rec.kernels.vec4_activation_loads()}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    RmsNormPush pc{n_rows, op.n_cols, op.rows_per_token, op.eps, op.x.offset, op.x.stride, op.y.offset, op.y.stride};
    // rows beyond the x limit of a dispatch wrap into y (the kernel folds x + y * count_x)
    const uint32_t max_x = rec.kernels.device().info().max_workgroup_count[0];
    const uint32_t gx = n_rows < max_x ? n_rows : max_x;
    const uint32_t gy = (n_rows + gx - 1) / gx;
    const bool in_place = op.x.buffer == op.y.buffer;
    return rec.stream.dispatch(*pipe,
                               {{op.x.buffer, 0, 0, Access::kRead},
                                {op.weight, 0, 0, Access::kRead},
                                {op.y.buffer, 0, 0, in_place ? Access::kReadWrite : Access::kWrite}},
                               &pc, sizeof pc, {gx, gy, 1});
}

Status record_qk_norm_rope(GpuRecorder &rec, const QkNormRopeOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    if (op.qkv.offset != 0 || op.n_rot % 2 != 0 || op.n_rot > op.head_dim)
        return internal_error("qk_norm_rope: qkv offset must be 0 and n_rot even and <= head_dim");
    vulkan::PipelineDesc desc;
    desc.variant = "qk_norm_rope";
    desc.n_buffers = 5;
    desc.push_constant_bytes = sizeof(QkNormRopePush);
    desc.workgroup_size = rec.kernels.reduce_workgroup();
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    QkNormRopePush pc{op.n_tokens, op.n_head, op.n_head_kv, op.head_dim, op.n_rot, op.qkv.stride, op.k_offset, op.eps};
    return rec.stream.dispatch(*pipe,
                               {{op.qkv.buffer, 0, 0, Access::kReadWrite},
                                {op.q_norm, 0, 0, Access::kRead},
                                {op.k_norm, 0, 0, Access::kRead},
                                {op.rope_table, 0, 0, Access::kRead},
                                {op.positions, 0, 0, Access::kRead}},
                               &pc, sizeof pc, {op.n_head + op.n_head_kv, op.n_tokens, 1});
}

std::vector<float> make_rope_table(uint32_t n_pos, uint32_t n_rot, float freq_base) {
    const uint32_t half = n_rot / 2;
    std::vector<float> table((size_t)n_pos * half * 2);
    for (uint32_t i = 0; i < half; ++i) {
        // the same float64 expressions as reference::rope_neox
        const double inv_freq = std::pow((double)freq_base, -2.0 * (double)i / (double)n_rot);
        for (uint32_t pos = 0; pos < n_pos; ++pos) {
            const double theta = (double)pos * inv_freq;
            table[((size_t)pos * half + i) * 2] = (float)std::cos(theta);
            table[((size_t)pos * half + i) * 2 + 1] = (float)std::sin(theta);
        }
    }
    return table;
}

}  // namespace moevk::session
