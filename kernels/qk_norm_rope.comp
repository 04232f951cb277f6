// qk_norm_rope.comp — Qwen3's per-head RMSNorm of Q and K followed by NeoX RoPE, in place in the fused
// q|k|v rows. Workgroup (h, t): heads h < n_head are Q heads (weight q_norm), the next n_head_kv are K heads
// (weight k_norm). Dims i < n_rot/2 pair with i + n_rot/2 and rotate by the angle of rope_table; dims >=
// n_rot are only normalised. Bindings: 0 = qkv (f32, in place), 1 = q_norm (f32), 2 = k_norm (f32),
// 3 = rope_table (cos, sin pairs: [pos][n_rot/2][2]), 4 = positions (int per token).
// The KV_STORE variants (qk_norm_rope_kv_<kv type>) also store each token's K and V heads into the layer's
// cache at its position, as kv_write.comp does (one dispatch and barrier less per layer): workgroups
// h >= n_head + n_head_kv copy V head h - n_head - n_head_kv. Binding 5 = kv cache (common/kv_cache.glsl).
// CPU reference: reference::rms_norm() then reference::rope_neox() on each head.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer Qkv { float qkv[]; };
layout(std430, binding = 1) readonly buffer QNorm { float q_norm[]; };
layout(std430, binding = 2) readonly buffer KNorm { float k_norm[]; };
layout(std430, binding = 3) readonly buffer RopeTable { float rope_table[]; };
layout(std430, binding = 4) readonly buffer Positions { int positions[]; };
#ifdef KV_STORE
layout(std430, binding = 5) buffer KvCache { uint kv_words[]; };
layout(constant_id = 2) const uint MAX_HEAD_DIM = 128;  // >= head_dim
#endif

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_head;
    uint n_head_kv;
    uint head_dim;
    uint n_rot;       // even, <= head_dim
    uint qkv_stride;  // floats per token row
    uint k_offset;    // first K value in a token row (Q starts at 0)
    float eps;
#ifdef KV_STORE
    uint v_offset;    // first V value in a token row
    uint head_dim_v;
    uint k_base, k_width, k_scale_base;  // KvRegion of K
    uint v_base, v_width, v_scale_base;  // KvRegion of V
#endif
} pc;

const uint REDUCE_VALUES = 1u;
#include "common/reduce.glsl"
#ifdef KV_STORE
#include "common/kv_cache.glsl"
#include "common/kv_store.glsl"
shared float head_s[MAX_HEAD_DIM];  // one head's final values, stored in units of consecutive dims

// head_s[0, dim) to units [first_unit, ...) of row pos of region r; after a barrier.
void store_head(KvRegion r, uint pos, uint first_unit, uint dim) {
    for (uint u = gl_LocalInvocationID.x; u < dim / KV_UNIT; u += gl_WorkGroupSize.x) {
        float v[KV_UNIT];
        for (uint j = 0u; j < KV_UNIT; ++j) v[j] = head_s[u * KV_UNIT + j];
        kv_store_unit(r, pos, first_unit + u, v);
    }
}
#endif

void main() {
    const uint h = gl_WorkGroupID.x;
    const uint t = gl_WorkGroupID.y;
#ifdef KV_STORE
    if (h >= pc.n_head + pc.n_head_kv) {  // a V head: stored as it is (uniform in the workgroup)
        const uint hv = h - pc.n_head - pc.n_head_kv;
        const uint src = t * pc.qkv_stride + pc.v_offset + hv * pc.head_dim_v;
        for (uint i = gl_LocalInvocationID.x; i < pc.head_dim_v; i += gl_WorkGroupSize.x) head_s[i] = qkv[src + i];
        barrier();
        store_head(KvRegion(pc.v_base, pc.v_width, pc.v_scale_base), uint(positions[t]), hv * pc.head_dim_v / KV_UNIT,
                   pc.head_dim_v);
        return;
    }
#endif
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
        const float y0 = x0 * c - x1 * s, y1 = x0 * s + x1 * c;
        qkv[base + i] = y0;
        qkv[base + i + half_rot] = y1;
#ifdef KV_STORE
        head_s[i] = y0;
        head_s[i + half_rot] = y1;
#endif
    }
    for (uint i = pc.n_rot + lane; i < pc.head_dim; i += gl_WorkGroupSize.x) {
        const float y = qkv[base + i] * scale * (is_q ? q_norm[i] : k_norm[i]);
        qkv[base + i] = y;
#ifdef KV_STORE
        head_s[i] = y;
#endif
    }
#ifdef KV_STORE
    if (!is_q) {  // a K head (uniform in the workgroup)
        barrier();
        store_head(KvRegion(pc.k_base, pc.k_width, pc.k_scale_base), uint(positions[t]), (h - pc.n_head) * pc.head_dim / KV_UNIT,
                   pc.head_dim);
    }
#endif
}
