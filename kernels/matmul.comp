// matmul.comp — y[t][r] = W[r]·x[t] (+ y[t][r] when accumulating: the residual add), for one chunk of rows
// of a GGUF weight matrix in the format of this variant. A workgroup takes ROWS_PER_WG rows and a tile of
// TOKEN_TILE tokens; each row goes to one subgroup, whose lane i takes units i, i + subgroup size, ... and
// adds the shares with subgroupAdd: a fixed summation order per output, no barrier, and no result that
// depends on the batch it is in. Bindings: 0 = W (uint words), 1 = x (f32), 2 = y (f32).
// GPUs sum in slice order instead of unit order (common/slice_dot.glsl). CPU reference: reference::matvec().
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;                        // workgroup size: spec constant 0
layout(constant_id = 1) const uint SUBGROUP_SIZE = 32;  // device hint; not relied on
layout(constant_id = 2) const uint TOKEN_TILE = 4;      // tokens per workgroup (weights read once per tile)
layout(constant_id = 3) const uint ROWS_PER_WG = 2;     // rows per workgroup (about WG / subgroup size)

layout(std430, binding = 0) readonly buffer Weights { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer X { float x_in[]; };
layout(std430, binding = 1) readonly buffer X4 { vec4 x_in4[]; };  // the same activations, for wide loads
layout(std430, binding = 2) buffer Y { float y_out[]; };

layout(push_constant) uniform PushConstants {
    uint n_rows;       // rows of this chunk
    uint n_cols;       // elements per row (a multiple of WEIGHT_QK)
    uint n_tokens;
    uint w_base_byte;  // byte of the chunk's first row inside binding 0
    uint row_bytes;
    uint x_offset;     // x[t][c] = x_in[x_offset + t * x_stride + c]
    uint x_stride;
    uint y_offset;     // y[t][r] = y_out[y_offset + t * y_stride + r]
    uint y_stride;
    uint accumulate;   // 1: add the product to what y holds
} pc;

#include "common/weight_type.glsl"
#include "common/block_dot.glsl"
#include "common/slice_dot.glsl"

void main() {
    const uint t0 = gl_WorkGroupID.y * TOKEN_TILE;
    const uint n_units = pc.n_cols / WEIGHT_QK;
    const bool slices = use_slices(pc.n_cols, pc.x_offset, pc.x_stride);  // GPUs: common/slice_dot.glsl
    // more subgroups than ROWS_PER_WG (a smaller real subgroup size) simply loop: every row is covered
    for (uint rr = gl_SubgroupID; rr < ROWS_PER_WG; rr += gl_NumSubgroups) {
        const uint row = gl_WorkGroupID.x * ROWS_PER_WG + rr;
        if (row >= pc.n_rows) break;  // uniform in the subgroup
        const uint row_byte = pc.w_base_byte + row * pc.row_bytes;
        float acc[TOKEN_TILE];
        for (uint t = 0u; t < TOKEN_TILE; ++t) acc[t] = 0.0;
        if (slices) {
            for (uint e0 = 8u * gl_SubgroupInvocationID; e0 < pc.n_cols; e0 += SLICE_BATCH * slice_step()) {
                vec4 lo[SLICE_BATCH], hi[SLICE_BATCH];
                load_slices(row_byte, e0, pc.n_cols, lo, hi);
                for (uint t = 0u; t < TOKEN_TILE; ++t) {
                    if (t0 + t >= pc.n_tokens) break;
                    acc[t] = slices_fma(acc[t], lo, hi, e0, pc.n_cols, pc.x_offset + (t0 + t) * pc.x_stride);
                }
            }
        } else {
            for (uint u0 = gl_SubgroupInvocationID; u0 < n_units; u0 += UNIT_BATCH * gl_SubgroupSize) {
                float w[UNIT_BATCH][WEIGHT_QK];
                // written out here, not through a helper with an out array: that cost the f32x4 router ~4 us a
                // layer on the H100 (docs/PERFORMANCE.md, session 8)
                for (uint b = 0u; b < UNIT_BATCH; ++b)
                    if (u0 + b * gl_SubgroupSize < n_units) weight_dequant_unit(row_byte, u0 + b * gl_SubgroupSize, w[b]);
                for (uint b = 0u; b < UNIT_BATCH; ++b) {
                    const uint u = u0 + b * gl_SubgroupSize;
                    if (u >= n_units) break;
                    for (uint t = 0u; t < TOKEN_TILE; ++t) {
                        if (t0 + t >= pc.n_tokens) break;
                        const uint xb = pc.x_offset + (t0 + t) * pc.x_stride + u * WEIGHT_QK;
                        acc[t] += block_dot(w[b], xb);
                    }
                }
            }
        }
        for (uint t = 0u; t < TOKEN_TILE; ++t) {
            if (t0 + t >= pc.n_tokens) break;  // uniform
            const float dot = subgroupAdd(acc[t]);
            if (subgroupElect()) {
                const uint yi = pc.y_offset + (t0 + t) * pc.y_stride + row;
                y_out[yi] = pc.accumulate != 0u ? y_out[yi] + dot : dot;
            }
        }
    }
}
