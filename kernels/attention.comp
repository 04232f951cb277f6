// attention.comp — causal attention for prefill and decode alike: the query of token t (at position p)
// attends keys [0, p] of its KV head (GQA: head h reads KV head h / (n_head / n_head_kv)). One workgroup
// per (head, token) walks the keys in tiles of WG with an online softmax; the order of every sum depends
// only on p, so a token's result does not depend on its batch. Bindings: 0 = qkv (f32, Q read), 1 = kv cache
// (uint words, common/kv_cache.glsl), 2 = positions (int), 3 = out (f32, [t][n_head * head_dim_v]).
// CPU reference: reference::attention_head().
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint MAX_HEAD_DIM = 256;  // >= head_dim_k and head_dim_v
layout(constant_id = 3) const uint OUT_PER_LANE = 4;    // >= ceil(head_dim_v / WG)

layout(std430, binding = 0) readonly buffer Qkv { float qkv[]; };
layout(std430, binding = 1) readonly buffer KvCache { uint kv_words[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, binding = 3) writeonly buffer Out { float out_values[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_head;
    uint n_head_kv;
    uint head_dim_k;
    uint head_dim_v;
    uint qkv_stride;  // floats per token row; Q head h at h * head_dim_k
    uint k_base, k_width, k_scale_base;  // KvRegion of K
    uint v_base, v_width, v_scale_base;  // KvRegion of V
    uint out_stride;
    float scale;
} pc;

const uint REDUCE_VALUES = 1u;
#include "common/reduce.glsl"
#include "common/kv_cache.glsl"

const float NEG_INF = -3.402823466e38;  // lowest float: below every score, exp(NEG_INF - m) == 0

shared float q_s[MAX_HEAD_DIM];
shared float p_s[gl_WorkGroupSize.x];  // probabilities of the current tile

void main() {
    const uint h = gl_WorkGroupID.x;
    const uint t = gl_WorkGroupID.y;
    const uint lane = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint kv_head = h / (pc.n_head / pc.n_head_kv);
    const uint n_keys = uint(positions[t]) + 1u;
    const KvRegion kr = KvRegion(pc.k_base, pc.k_width, pc.k_scale_base);
    const KvRegion vr = KvRegion(pc.v_base, pc.v_width, pc.v_scale_base);
    const uint k_col = kv_head * pc.head_dim_k, v_col = kv_head * pc.head_dim_v;

    for (uint d = lane; d < pc.head_dim_k; d += wg) q_s[d] = qkv[t * pc.qkv_stride + h * pc.head_dim_k + d];
    barrier();

    float o[OUT_PER_LANE];
    for (uint i = 0u; i < OUT_PER_LANE; ++i) o[i] = 0.0;
    float m = NEG_INF;     // running max of the scores
    float l = 0.0;         // running sum of exp(score - m)
    for (uint k0 = 0u; k0 < n_keys; k0 += wg) {
        const uint j = k0 + lane;
        float s = NEG_INF;
        if (j < n_keys) {
            float dot = 0.0;
            for (uint d = 0u; d < pc.head_dim_k; ++d) dot += q_s[d] * kv_load(kr, j, k_col + d);
            s = dot * pc.scale;
        }
        red_put_max(0u, s);
        barrier();
        const float m_new = max(m, red_max(0u));  // finite: key k0 exists
        barrier();
        const float p = j < n_keys ? exp(s - m_new) : 0.0;
        p_s[lane] = p;
        red_put_sum(0u, p);
        barrier();
        const float alpha = exp(m - m_new);  // 0 on the first tile
        l = l * alpha + red_sum(0u);
        const uint tile = min(wg, n_keys - k0);
        for (uint i = 0u; i < OUT_PER_LANE; ++i) {
            const uint d = lane + i * wg;
            if (d >= pc.head_dim_v) break;
            float acc = 0.0;
            for (uint jj = 0u; jj < tile; ++jj) acc += p_s[jj] * kv_load(vr, k0 + jj, v_col + d);
            o[i] = o[i] * alpha + acc;
        }
        m = m_new;
        barrier();  // p_s and red_partial are rewritten by the next tile
    }
    for (uint i = 0u; i < OUT_PER_LANE; ++i) {
        const uint d = lane + i * wg;
        if (d < pc.head_dim_v) out_values[t * pc.out_stride + h * pc.head_dim_v + d] = o[i] / l;
    }
}
