// attention_split.comp — causal GQA attention for prefill and decode alike, split over the keys (flash-decoding).
// The query of token t (at position p) attends keys [0, p] of its KV head. One workgroup per (KV head,
// token, split) serves all GROUP query heads of that KV head, so each K/V row is read once: it walks its
// split's keys in tiles of KEY_TILE (staged in shared memory) with an online softmax per head. A token
// with one split writes its output; otherwise each split writes (o unnormalised, running max m, sum l)
// to the partials and attention_combine.comp merges them. The split plan and every summation order depend
// only on p (common/attention_splits.glsl), so a token's result does not depend on its batch.
// Bindings: 0 = qkv (f32, Q read), 1 = kv cache (uint words, common/kv_cache.glsl), 2 = positions (int),
// 3 = out (f32, [t][n_head * head_dim_v]), 4 = partials (f32, [t - token_base][head][split][head_dim_v + 2]).
// The loops over a key tile and a head run to the spec-constant bounds with the real bound as a condition:
// the driver can unroll them and issue their shared-memory loads together (decode runs one tile a split, so
// the dependent steps of one workgroup are its whole time). Same order, same bits.
// CPU reference: reference::attention_head().
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint MAX_HEAD_DIM = 128;  // >= head_dim_k and head_dim_v
layout(constant_id = 3) const uint OUT_PER_LANE = 4;    // >= ceil(GROUP * head_dim_v / WG)
layout(constant_id = 4) const uint GROUP = 1;           // query heads per KV head (<= WG)
layout(constant_id = 5) const uint KEY_TILE = 32;       // keys staged in shared memory at once

layout(std430, binding = 0) readonly buffer Qkv { float qkv[]; };
layout(std430, binding = 1) readonly buffer KvCache { uint kv_words[]; };
layout(std430, binding = 2) readonly buffer Positions { int positions[]; };
layout(std430, binding = 3) writeonly buffer Out { float out_values[]; };
layout(std430, binding = 4) writeonly buffer Partials { float partials[]; };

layout(push_constant) uniform PushConstants {
    uint token_base;  // token of workgroup row 0 (the partials hold rows from here)
    uint n_head;
    uint head_dim_k;
    uint head_dim_v;
    uint qkv_stride;  // floats per token row; Q head h at h * head_dim_k
    uint k_base, k_width, k_scale_base;  // KvRegion of K
    uint v_base, v_width, v_scale_base;  // KvRegion of V
    uint out_stride;
    uint max_splits;
    float scale;
} pc;

#include "common/kv_cache.glsl"
#include "common/attention_splits.glsl"

const float NEG_INF = -3.402823466e38;  // lowest float: below every score, exp(NEG_INF - m) == 0
const uint KV_ROW = MAX_HEAD_DIM + 1u;  // padded: lanes reading different keys hit different banks

shared float q_s[GROUP * MAX_HEAD_DIM];
shared float kv_s[KEY_TILE * KV_ROW];  // the tile's K rows, then its V rows
shared float p_s[GROUP * KEY_TILE];    // scores, then probabilities, [head][key]
shared float m_s[GROUP], alpha_s[GROUP], l_s[GROUP];

void load_tile(KvRegion r, uint col, uint width, uint k0, uint tile) {
    for (uint e = gl_LocalInvocationID.x; e < tile * width; e += gl_WorkGroupSize.x) {
        const uint j = e / width, d = e - j * width;
        kv_s[j * KV_ROW + d] = kv_load(r, k0 + j, col + d);
    }
}

void main() {
    const uint kv_head = gl_WorkGroupID.x;
    const uint row = gl_WorkGroupID.y;
    const uint t = pc.token_base + row;
    const uint split = gl_WorkGroupID.z;
    const uint lane = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint n_keys = uint(positions[t]) + 1u;
    const AttentionSplits plan = attention_splits(n_keys, KEY_TILE, pc.max_splits);
    if (split >= plan.count) return;  // the same for the whole workgroup
    const uint key_begin = split * plan.keys_per_split;
    const uint key_end = min(n_keys, key_begin + plan.keys_per_split);
    const KvRegion kr = KvRegion(pc.k_base, pc.k_width, pc.k_scale_base);
    const KvRegion vr = KvRegion(pc.v_base, pc.v_width, pc.v_scale_base);
    const uint hdk = pc.head_dim_k, hdv = pc.head_dim_v;
    const uint first_head = kv_head * GROUP;

    for (uint e = lane; e < GROUP * hdk; e += wg) {
        const uint g = e / hdk, d = e - g * hdk;
        q_s[g * MAX_HEAD_DIM + d] = qkv[t * pc.qkv_stride + (first_head + g) * hdk + d];
    }

    float o[OUT_PER_LANE];  // lane + i * WG = g * hdv + d: head g's value d
    for (uint i = 0u; i < OUT_PER_LANE; ++i) o[i] = 0.0;
    float m = NEG_INF;  // lane g < GROUP: running max of head g's scores
    float l = 0.0;      // lane g < GROUP: running sum of exp(score - m)
    for (uint k0 = key_begin; k0 < key_end; k0 += KEY_TILE) {
        const uint tile = min(KEY_TILE, key_end - k0);
        barrier();  // the previous tile's kv_s / p_s are read (and q_s is written)
        load_tile(kr, kv_head * hdk, hdk, k0, tile);
        barrier();
        for (uint p = lane; p < GROUP * KEY_TILE; p += wg) {
            const uint g = p / KEY_TILE, j = p - g * KEY_TILE;
            float s = NEG_INF;
            if (j < tile) {
                float dot = 0.0;
                for (uint d = 0u; d < MAX_HEAD_DIM; ++d)
                    if (d < hdk) dot += q_s[g * MAX_HEAD_DIM + d] * kv_s[j * KV_ROW + d];
                s = dot * pc.scale;
            }
            p_s[p] = s;
        }
        barrier();
        if (lane < GROUP) {
            float m_new = m;
            for (uint j = 0u; j < KEY_TILE; ++j)
                if (j < tile) m_new = max(m_new, p_s[lane * KEY_TILE + j]);
            alpha_s[lane] = exp(m - m_new);  // 0 on the first tile
            m_s[lane] = m_new;
            m = m_new;
        }
        barrier();
        for (uint p = lane; p < GROUP * KEY_TILE; p += wg) {
            const uint g = p / KEY_TILE, j = p - g * KEY_TILE;
            p_s[p] = j < tile ? exp(p_s[p] - m_s[g]) : 0.0;
        }
        load_tile(vr, kv_head * hdv, hdv, k0, tile);  // the K rows were last read before the barrier above
        barrier();
        if (lane < GROUP) {
            float sum = 0.0;
            for (uint j = 0u; j < KEY_TILE; ++j)
                if (j < tile) sum += p_s[lane * KEY_TILE + j];
            l = l * alpha_s[lane] + sum;
        }
        for (uint i = 0u; i < OUT_PER_LANE; ++i) {
            const uint e = lane + i * wg;
            if (e >= GROUP * hdv) break;
            const uint g = e / hdv, d = e - g * hdv;
            float acc = 0.0;
            for (uint j = 0u; j < KEY_TILE; ++j)
                if (j < tile) acc += p_s[g * KEY_TILE + j] * kv_s[j * KV_ROW + d];
            o[i] = o[i] * alpha_s[g] + acc;
        }
    }

    if (plan.count == 1u) {
        if (lane < GROUP) l_s[lane] = l;
        barrier();
        for (uint i = 0u; i < OUT_PER_LANE; ++i) {
            const uint e = lane + i * wg;
            if (e >= GROUP * hdv) break;
            const uint g = e / hdv, d = e - g * hdv;
            out_values[t * pc.out_stride + (first_head + g) * hdv + d] = o[i] / l_s[g];
        }
        return;
    }
    const uint part_width = hdv + 2u;
    for (uint i = 0u; i < OUT_PER_LANE; ++i) {
        const uint e = lane + i * wg;
        if (e >= GROUP * hdv) break;
        const uint g = e / hdv, d = e - g * hdv;
        partials[((row * pc.n_head + first_head + g) * pc.max_splits + split) * part_width + d] = o[i];
    }
    if (lane < GROUP) {
        const uint base = ((row * pc.n_head + first_head + lane) * pc.max_splits + split) * part_width;
        partials[base + hdv] = m;
        partials[base + hdv + 1u] = l;
    }
}
