// qk_norm_rope.comp — Qwen3's per-head RMSNorm of Q and K followed by NeoX RoPE, in place in the fused
// q|k|v rows. Workgroup (h, t): heads h < n_head are Q heads (weight q_norm), the next n_head_kv are K heads
// (weight k_norm). Dims i < n_rot/2 pair with i + n_rot/2 and rotate by the angle of rope_table; dims >=
// n_rot are only normalised. Bindings: 0 = qkv (f32, in place), 1 = q_norm (f32), 2 = k_norm (f32),
// 3 = rope_table (cos, sin pairs: [pos][n_rot/2][2]), 4 = positions (int per token).
// CPU reference: reference::rms_norm() then reference::rope_neox() on each head.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer Qkv { float qkv[]; };
layout(std430, binding = 1) readonly buffer QNorm { float q_norm[]; };
layout(std430, binding = 2) readonly buffer KNorm { float k_norm[]; };
layout(std430, binding = 3) readonly buffer RopeTable { float rope_table[]; };
layout(std430, binding = 4) readonly buffer Positions { int positions[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_head;
    uint n_head_kv;
    uint head_dim;
    uint n_rot;       // even, <= head_dim
    uint qkv_stride;  // floats per token row
    uint k_offset;    // first K value in a token row (Q starts at 0)
    float eps;
} pc;

const uint REDUCE_VALUES = 1u;
#include "common/reduce.glsl"

void main() {
    const uint h = gl_WorkGroupID.x;
    const uint t = gl_WorkGroupID.y;
    const bool is_q = h < pc.n_head;
    const uint base = t * pc.qkv_stride + (is_q ? h * pc.head_dim : pc.k_offset + (h - pc.n_head) * pc.head_dim);
    const uint lane = gl_LocalInvocationID.x;

    float sum_sq = 0.0;
    for (uint i = lane; i < pc.head_dim; i += gl_WorkGroupSize.x) sum_sq += qkv[base + i] * qkv[base + i];
    red_put_sum(0u, sum_sq);
    barrier();
    const float scale = 1.0 / sqrt(red_sum(0u) / float(pc.head_dim) + pc.eps);

    // Each invocation owns its pairs, so reading and rewriting them in place needs no further barrier.
    const uint half_rot = pc.n_rot / 2u;
    const uint table = uint(positions[t]) * half_rot * 2u;
    for (uint i = lane; i < half_rot; i += gl_WorkGroupSize.x) {
        const float w0 = is_q ? q_norm[i] : k_norm[i];
        const float w1 = is_q ? q_norm[i + half_rot] : k_norm[i + half_rot];
        const float x0 = qkv[base + i] * scale * w0;
        const float x1 = qkv[base + i + half_rot] * scale * w1;
        const float c = rope_table[table + 2u * i], s = rope_table[table + 2u * i + 1u];
        qkv[base + i] = x0 * c - x1 * s;
        qkv[base + i + half_rot] = x0 * s + x1 * c;
    }
    for (uint i = pc.n_rot + lane; i < pc.head_dim; i += gl_WorkGroupSize.x)
        qkv[base + i] = qkv[base + i] * scale * (is_q ? q_norm[i] : k_norm[i]);
}
