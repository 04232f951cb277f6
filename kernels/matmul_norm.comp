// matmul_norm.comp — y[t][r] = W[r]·h[t] with h[t] = rmsnorm(x[t]) * norm_w, the RMSNorm fused into the
// mat-vec (decode: one dispatch and barrier less per norm). Each workgroup takes its token tile's norms
// with rms_norm.comp's reduction (same workgroup size, same order: the same scale bits) and forms h on the
// fly (common/block_dot_normed.glsl); rows, lanes and summation order are matmul.comp's, so y is bit for bit
// rms_norm then matmul. When write_h, the workgroups of row block 0 also store h (the experts read it).
// Bindings: 0 = W (uint words), 1 = x (f32), 2 = y (f32), 3 = norm_w (f32, n_cols), 4 = h (f32).
// CPU reference: reference::rms_norm(), then reference::matvec().
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;                        // workgroup size: spec constant 0 (rms_norm's)
layout(constant_id = 1) const uint SUBGROUP_SIZE = 32;  // device hint; not relied on
layout(constant_id = 2) const uint TOKEN_TILE = 4;      // tokens per workgroup
layout(constant_id = 3) const uint ROWS_PER_WG = 2;     // rows per workgroup

layout(std430, binding = 0) readonly buffer Weights { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer X { float x_in[]; };
layout(std430, binding = 1) readonly buffer X4 { vec4 x_in4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y_out[]; };
layout(std430, binding = 3) readonly buffer NormW { float norm_w[]; };
layout(std430, binding = 3) readonly buffer NormW4 { vec4 norm_w4[]; };
layout(std430, binding = 4) writeonly buffer H { float h_out[]; };

layout(push_constant) uniform PushConstants {
    uint n_rows;       // rows of this chunk
    uint n_cols;
    uint n_tokens;
    uint w_base_byte;
    uint row_bytes;
    uint x_offset;     // x[t][c] = x_in[x_offset + t * x_stride + c]
    uint x_stride;
    uint y_offset;     // y[t][r] = y_out[y_offset + t * y_stride + r]
    uint y_stride;
    float eps;
    uint h_offset;     // h[t][c] = h_out[h_offset + t * h_stride + c]
    uint h_stride;
    uint write_h;
} pc;

const uint REDUCE_VALUES = TOKEN_TILE;
#include "common/reduce.glsl"
#include "common/weight_type.glsl"
#include "common/block_dot.glsl"
#include "common/block_dot_normed.glsl"
#include "common/slice_dot.glsl"
#include "common/sum_sq.glsl"

void main() {
    const uint t0 = gl_WorkGroupID.y * TOKEN_TILE;
    for (uint t = 0u; t < TOKEN_TILE; ++t) {
        if (t0 + t >= pc.n_tokens) break;  // uniform
        const uint xb = pc.x_offset + (t0 + t) * pc.x_stride;
        red_put_sum(t, sum_sq_share(xb, pc.n_cols));
    }
    barrier();
    float scale[TOKEN_TILE];
    for (uint t = 0u; t < TOKEN_TILE; ++t)
        scale[t] = t0 + t < pc.n_tokens ? 1.0 / sqrt(red_sum(t) / float(pc.n_cols) + pc.eps) : 0.0;
    if (pc.write_h != 0u && gl_WorkGroupID.x == 0u) {
        for (uint t = 0u; t < TOKEN_TILE; ++t) {
            if (t0 + t >= pc.n_tokens) break;
            const uint xb = pc.x_offset + (t0 + t) * pc.x_stride, hb = pc.h_offset + (t0 + t) * pc.h_stride;
            for (uint c = gl_LocalInvocationID.x; c < pc.n_cols; c += gl_WorkGroupSize.x)
                h_out[hb + c] = x_in[xb + c] * scale[t] * norm_w[c];
        }
    }
    const uint n_units = pc.n_cols / WEIGHT_QK;
    const bool slices = use_slices(pc.n_cols, pc.x_offset, pc.x_stride);  // GPUs: common/slice_dot.glsl
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
                    for (uint s = 0u; s < SLICE_BATCH; ++s) {  // slices_fma over h, formed as rms_norm.comp does
                        const uint e = min(e0 + s * slice_step(), pc.n_cols - 8u);
                        const uint x4 = (pc.x_offset + (t0 + t) * pc.x_stride + e) >> 2;
                        const vec4 a = x_in4[x4] * scale[t] * norm_w4[e >> 2];
                        const vec4 b = x_in4[x4 + 1u] * scale[t] * norm_w4[(e >> 2) + 1u];
                        const float sum = slice_fma(acc[t], lo[s], hi[s], a, b);
                        acc[t] = e0 + s * slice_step() < pc.n_cols ? sum : acc[t];
                    }
                }
            }
        } else {
            for (uint u0 = gl_SubgroupInvocationID; u0 < n_units; u0 += UNIT_BATCH * gl_SubgroupSize) {
                float w[UNIT_BATCH][WEIGHT_QK];  // loaded together, summed in unit order (matmul.comp's)
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
                        acc[t] += block_dot_normed(w[b], xb, u * WEIGHT_QK, scale[t]);
                    }
                }
            }
        }
        for (uint t = 0u; t < TOKEN_TILE; ++t) {
            if (t0 + t >= pc.n_tokens) break;  // uniform
            const float dot = subgroupAdd(acc[t]);
            if (subgroupElect()) y_out[pc.y_offset + (t0 + t) * pc.y_stride + row] = dot;
        }
    }
}
