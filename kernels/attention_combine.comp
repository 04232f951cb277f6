// attention_combine.comp — merges the splits of attention_split.comp for tokens with more than one: with
// M = max of the split maxima and w_s = exp(m_s - M), out = (sum_s w_s o_s) / (sum_s w_s l_s), splits
// added in split order. One workgroup per (head, token); tokens with one split were written already.
// Bindings: 0 = positions (int), 1 = partials (as attention_split.comp), 2 = out.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Positions { int positions[]; };
layout(std430, binding = 1) readonly buffer Partials { float partials[]; };
layout(std430, binding = 2) writeonly buffer Out { float out_values[]; };

layout(push_constant) uniform PushConstants {
    uint token_base;
    uint n_head;
    uint head_dim_v;
    uint out_stride;
    uint max_splits;
    uint key_tile;  // attention_split.comp's KEY_TILE
} pc;

#include "common/attention_splits.glsl"

layout(constant_id = 2) const uint MAX_SPLITS = 32;  // >= max_splits (kAttentionMaxSplits)
const uint LOAD_BATCH = 8u;                          // partials of one output loaded before any is summed

shared float m_sh[MAX_SPLITS], l_sh[MAX_SPLITS];  // each split's running max and sum

// Why the stats go through shared memory and the outputs' partials are loaded LOAD_BATCH at a time: a
// decode step merges ~17 splits per head, and a loop that loads one split's value and then adds it is ~17
// dependent L2 round trips per output. The sums are still taken split by split, in split order.
void main() {
    const uint h = gl_WorkGroupID.x;
    const uint row = gl_WorkGroupID.y;
    const uint t = pc.token_base + row;
    const uint n_keys = uint(positions[t]) + 1u;
    const AttentionSplits plan = attention_splits(n_keys, pc.key_tile, pc.max_splits);
    if (plan.count == 1u) return;  // the same for the whole workgroup
    const uint part_width = pc.head_dim_v + 2u;
    const uint base = (row * pc.n_head + h) * pc.max_splits * part_width;
    for (uint s = gl_LocalInvocationID.x; s < plan.count; s += gl_WorkGroupSize.x) {
        m_sh[s] = partials[base + s * part_width + pc.head_dim_v];
        l_sh[s] = partials[base + s * part_width + pc.head_dim_v + 1u];
    }
    barrier();
    float m = m_sh[0];
    for (uint s = 1u; s < plan.count; ++s) m = max(m, m_sh[s]);
    float l = 0.0;
    for (uint s = 0u; s < plan.count; ++s) l += exp(m_sh[s] - m) * l_sh[s];
    for (uint d = gl_LocalInvocationID.x; d < pc.head_dim_v; d += gl_WorkGroupSize.x) {
        float acc = 0.0;
        for (uint s0 = 0u; s0 < plan.count; s0 += LOAD_BATCH) {
            float o[LOAD_BATCH];  // splits past the last are read at the last one (a valid address), not added
            for (uint j = 0u; j < LOAD_BATCH; ++j) o[j] = partials[base + min(s0 + j, plan.count - 1u) * part_width + d];
            for (uint j = 0u; j < LOAD_BATCH; ++j)
                if (s0 + j < plan.count) acc += exp(m_sh[s0 + j] - m) * o[j];
        }
        out_values[t * pc.out_stride + h * pc.head_dim_v + d] = acc / l;
    }
}
