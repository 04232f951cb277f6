// gated_delta_norm.comp — the gated RMSNorm after gated_delta_chunked.comp, in place over its outputs: a
// workgroup per (value head, token), an invocation per value column (workgroup size = head_dim):
//   out_j = o_j / sqrt(mean_j(o^2) + eps) * norm_weight[j] * silu(z_j),
// the same expression as the end of gated_delta.comp. Bindings: 0 = z (f32, [t][value_dim]), 1 = norm_weight
// (f32, [head_dim]), 2 = out (f32, [t][value_dim]: o in, the normed output out). CPU reference:
// reference::rms_norm_gated.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer NormWeight { float norm_weight[]; };
layout(std430, binding = 2) buffer Out { float out_[]; };

layout(push_constant) uniform PushConstants {
    uint z_offset;
    uint z_stride;
    uint out_offset;
    uint out_stride;
    float eps;
} pc;

const uint HEAD_DIM = gl_WorkGroupSize.x;

const uint REDUCE_VALUES = 1u;
#include "common/reduce.glsl"

float sigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }

void main() {
    const uint vh = gl_WorkGroupID.x, t = gl_WorkGroupID.y, j = gl_LocalInvocationID.x;
    const uint o_at = pc.out_offset + t * pc.out_stride + vh * HEAD_DIM + j;
    const float o = out_[o_at];
    const float zj = z[pc.z_offset + t * pc.z_stride + vh * HEAD_DIM + j];
    red_put_sum(0u, o * o);
    barrier();
    const float inv_rms = 1.0 / sqrt(red_sum(0u) / float(HEAD_DIM) + pc.eps);
    out_[o_at] = o * inv_rms * norm_weight[j] * (zj * sigmoid(zj));
}
