// attention_tiled.comp — causal GQA attention for prompts (flash attention over query tiles): a workgroup
// takes Q_TOKENS consecutive tokens of a call times the GROUP query heads of one KV head, so every K/V
// row staged in shared memory serves Q_TOKENS * GROUP query rows (attention_split.comp serves GROUP: a
// 512-token prompt re-read the cache once per token). Each query row belongs to LANES neighbouring
// invocations of one subgroup; invocation c of a row holds its query and output dims 4 (c + LANES i) ..
// + 3 in registers, the partial dots of a key are added over the row's lanes with subgroupShuffleXor
// (every lane ends with the same bits), and the softmax runs online per key tile in registers: no
// barrier but the two around staging a tile. Keys past a row's position are masked (exp gives exact
// zeros), so a row's result depends only on its own query and position, never on the other tokens of its
// tile or its call. The order differs from the decode kernels: prompt and token-by-token evaluation agree
// within the whole-model tier (GpuKernels::tiled_attention).
// Bindings: 0 = qkv (f32, Q read), 1 = kv cache (uint words, common/kv_cache.glsl), 2 = positions (int),
// 3 = out (f32, [t][n_head * head_dim_v]).
// CPU reference: reference::attention_head().
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint MAX_HEAD_DIM = 128;  // >= head_dim_k and head_dim_v, a multiple of 4 * LANES
layout(constant_id = 3) const uint LANES = 4;           // invocations per query row (a power of 2 <= subgroup size)
layout(constant_id = 4) const uint GROUP = 1;           // query heads per KV head
layout(constant_id = 5) const uint KEY_TILE = 32;       // keys staged in shared memory at once
layout(constant_id = 6) const uint Q_TOKENS = 1;        // tokens per workgroup (Q_TOKENS * GROUP * LANES <= WG)

layout(std430, binding = 0) readonly buffer Qkv { float qkv[]; };
layout(std430, binding = 1) readonly buffer KvCache { uint kv_words[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, binding = 3) writeonly buffer Out { float out_values[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_head;
    uint head_dim_k;
    uint head_dim_v;
    uint qkv_stride;  // floats per token row; Q head h at h * head_dim_k
    uint k_base, k_width, k_scale_base;  // KvRegion of K
    uint v_base, v_width, v_scale_base;  // KvRegion of V
    uint out_stride;
    float scale;
} pc;

#include "common/kv_cache.glsl"

const float NEG_INF = -3.402823466e38;       // lowest float: below every score, exp(NEG_INF - m) == 0
const uint ROW_VEC4 = MAX_HEAD_DIM / 4u;     // vec4 per staged key row
const uint LANE_VEC4 = ROW_VEC4 / LANES;     // vec4 of a row's query / output one invocation holds

shared vec4 k_s[KEY_TILE * ROW_VEC4];  // [key][dim / 4]
shared vec4 v_s[KEY_TILE * ROW_VEC4];
shared uint n_keys_s;                  // keys of the tile's last position: every row's range is inside

// Keys k0 .. k0 + KEY_TILE - 1 of region r (columns col ..) into s as f32; zeros past n_keys and dim.
void stage(KvRegion r, uint col, uint dim, uint k0, uint n_keys, bool is_k) {
    for (uint e = gl_LocalInvocationIndex; e < KEY_TILE * ROW_VEC4; e += gl_WorkGroupSize.x) {
        const uint j = e / ROW_VEC4, d = 4u * (e % ROW_VEC4);
        vec4 v = vec4(0.0);
        if (k0 + j < n_keys)
            for (uint i = 0u; i < 4u; ++i) v[i] = d + i < dim ? kv_load(r, k0 + j, col + d + i) : 0.0;
        if (is_k) k_s[e] = v;
        else v_s[e] = v;
    }
}

// The sum of v over the LANES invocations of this row (all of them get the same bits: each step adds the
// same two values on both sides).
float row_sum(float v) {
    for (uint off = LANES / 2u; off > 0u; off /= 2u) v += subgroupShuffleXor(v, off);
    return v;
}

void main() {
    const uint kv_head = gl_WorkGroupID.x;
    // the last token tiles have the most keys: start them first
    const uint t0 = (gl_NumWorkGroups.y - 1u - gl_WorkGroupID.y) * Q_TOKENS;
    const uint row = gl_SubgroupID * (gl_SubgroupSize / LANES) + gl_SubgroupInvocationID / LANES;
    const uint lane = gl_SubgroupInvocationID % LANES;
    const uint tl = row / GROUP, g = row % GROUP;
    const bool live = tl < Q_TOKENS && t0 + tl < pc.n_tokens;  // inactive rows compute token t0's, unwritten
    const uint t = live ? t0 + tl : t0;
    const uint head = kv_head * GROUP + (live ? g : 0u);
    const uint n_row_keys = uint(positions[t]) + 1u;
    const uint hdk = pc.head_dim_k, hdv = pc.head_dim_v;

    if (gl_LocalInvocationIndex == 0u) {
        uint n = 0u;
        for (uint i = 0u; i < Q_TOKENS && t0 + i < pc.n_tokens; ++i) n = max(n, uint(positions[t0 + i]) + 1u);
        n_keys_s = n;
    }
    vec4 q[LANE_VEC4];
    for (uint i = 0u; i < LANE_VEC4; ++i) {
        const uint d = 4u * (lane + LANES * i);
        for (uint c = 0u; c < 4u; ++c) q[i][c] = d + c < hdk ? qkv[t * pc.qkv_stride + head * hdk + d + c] : 0.0;
    }
    vec4 o[LANE_VEC4];
    for (uint i = 0u; i < LANE_VEC4; ++i) o[i] = vec4(0.0);
    float m = NEG_INF;  // running max of the row's scores (finite after the first tile: key 0 is in every range)
    float l = 0.0;      // running sum of exp(score - m)
    barrier();
    const uint n_keys = n_keys_s;
    const KvRegion kr = KvRegion(pc.k_base, pc.k_width, pc.k_scale_base);
    const KvRegion vr = KvRegion(pc.v_base, pc.v_width, pc.v_scale_base);
    for (uint k0 = 0u; k0 < n_keys; k0 += KEY_TILE) {
        barrier();  // every row is done with the previous tile
        stage(kr, kv_head * hdk, hdk, k0, n_keys, true);
        stage(vr, kv_head * hdv, hdv, k0, n_keys, false);
        barrier();
        float p[KEY_TILE];
        float m_new = m;
        for (uint j = 0u; j < KEY_TILE; ++j) {
            float part = 0.0;
            for (uint i = 0u; i < LANE_VEC4; ++i) part += dot(q[i], k_s[j * ROW_VEC4 + lane + LANES * i]);
            const float s = row_sum(part) * pc.scale;
            p[j] = k0 + j < n_row_keys ? s : NEG_INF;
            m_new = max(m_new, p[j]);
        }
        const float alpha = exp(m - m_new);  // 0 on the first tile
        m = m_new;
        float sum = 0.0;
        for (uint j = 0u; j < KEY_TILE; ++j) {
            p[j] = exp(p[j] - m);
            sum += p[j];
        }
        l = l * alpha + sum;
        for (uint i = 0u; i < LANE_VEC4; ++i) {
            vec4 acc = o[i] * alpha;
            for (uint j = 0u; j < KEY_TILE; ++j) acc += p[j] * v_s[j * ROW_VEC4 + lane + LANES * i];
            o[i] = acc;
        }
    }
    if (!live) return;
    for (uint i = 0u; i < LANE_VEC4; ++i) {
        const uint d = 4u * (lane + LANES * i);
        for (uint c = 0u; c < 4u; ++c)
            if (d + c < hdv) out_values[t * pc.out_stride + head * hdv + d + c] = o[i][c] / l;
    }
}
