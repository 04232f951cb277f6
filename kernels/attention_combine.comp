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

void main() {
    const uint h = gl_WorkGroupID.x;
    const uint row = gl_WorkGroupID.y;
    const uint t = pc.token_base + row;
    const uint n_keys = uint(positions[t]) + 1u;
    const AttentionSplits plan = attention_splits(n_keys, pc.key_tile, pc.max_splits);
    if (plan.count == 1u) return;
    const uint part_width = pc.head_dim_v + 2u;
    const uint base = (row * pc.n_head + h) * pc.max_splits * part_width;
    float m = partials[base + pc.head_dim_v];
    for (uint s = 1u; s < plan.count; ++s) m = max(m, partials[base + s * part_width + pc.head_dim_v]);
    float l = 0.0;
    for (uint s = 0u; s < plan.count; ++s) {
        const uint b = base + s * part_width + pc.head_dim_v;
        l += exp(partials[b] - m) * partials[b + 1u];
    }
    for (uint d = gl_LocalInvocationID.x; d < pc.head_dim_v; d += gl_WorkGroupSize.x) {
        float acc = 0.0;
        for (uint s = 0u; s < plan.count; ++s) {
            const uint b = base + s * part_width;
            acc += exp(partials[b + pc.head_dim_v] - m) * partials[b + d];
        }
        out_values[t * pc.out_stride + h * pc.head_dim_v + d] = acc / l;
    }
}
