// rms_norm.comp — y = x / sqrt(mean(x^2) + eps) * w over rows of n_cols. Rows are grouped rows_per_token to
// a token (1 for the block norms, n_head for a per-head norm): row i is head i % rows_per_token of token
// i / rows_per_token. One workgroup per row. Bindings: 0 = x (f32), 1 = w (f32, n_cols), 2 = y (f32; may be
// x). The sum of squares: common/sum_sq.glsl (matmul_norm.comp takes the same one). CPU reference:
// reference::rms_norm().
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x_in[]; };
layout(std430, binding = 0) readonly buffer X4 { vec4 x_in4[]; };  // the same, for wide loads
layout(std430, binding = 1) readonly buffer W { float w_in[]; };
layout(std430, binding = 2) buffer Y { float y_out[]; };

layout(push_constant) uniform PushConstants {
    uint n_rows;
    uint n_cols;
    uint rows_per_token;
    float eps;
    uint x_offset;  // row i starts at x_offset + token * x_stride + head * n_cols
    uint x_stride;
    uint y_offset;  // same for y
    uint y_stride;
} pc;

const uint REDUCE_VALUES = 1u;
#include "common/reduce.glsl"
#include "common/vec4_loads.glsl"
#include "common/sum_sq.glsl"

void main() {
    const uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= pc.n_rows) return;  // uniform over the workgroup
    const uint token = row / pc.rows_per_token, head = row % pc.rows_per_token;
    const uint xb = pc.x_offset + token * pc.x_stride + head * pc.n_cols;
    const uint yb = pc.y_offset + token * pc.y_stride + head * pc.n_cols;
    red_put_sum(0u, sum_sq_share(xb, pc.n_cols));
    barrier();
    const float scale = 1.0 / sqrt(red_sum(0u) / float(pc.n_cols) + pc.eps);
    for (uint c = gl_LocalInvocationID.x; c < pc.n_cols; c += gl_WorkGroupSize.x)
        y_out[yb + c] = x_in[xb + c] * scale * w_in[c];
}
