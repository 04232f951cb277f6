// matmul_coopmat.comp — matmul_tiled.comp on cooperative matrices (common/coopmat_tile.glsl): a workgroup
// per 64 rows x 32 tokens of one chunk of rows, fp16 operands, fp32 accumulators. Push constants and
// bindings as matmul.comp. Only on devices with VK_NV_cooperative_matrix (GpuKernels::prefill_kernel).
// CPU reference: reference::matvec() (f16 activations tier).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 128) in;  // 4 subgroups of 32

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

#define COOP_N 32u
#define COOP_W_TILES 1u
#include "common/vec4_loads.glsl"
#include "common/weight_type.glsl"
#include "common/coopmat_tile.glsl"

void main() {
    const uint row0 = gl_WorkGroupID.x * COOP_M, t0 = gl_WorkGroupID.y * COOP_N;
    for (uint c = gl_LocalInvocationIndex; c < COOP_N; c += gl_WorkGroupSize.x)
        s_col_base[c] = t0 + c < pc.n_tokens ? pc.x_offset + (t0 + c) * pc.x_stride : ~0u;
    barrier();
    COOP_ACC acc[1][COOP_CN];
    for (uint n = 0u; n < COOP_CN; ++n) acc[0][n] = COOP_ACC(0.0);
    const uint n_rows = min(COOP_M, pc.n_rows - row0);
    CoopRows rows[1] = CoopRows[1](CoopRows(pc.w_base_byte + row0 * pc.row_bytes, pc.row_bytes, n_rows));
    coop_gemm(rows, pc.n_cols, coop_fast_path(pc.n_cols, pc.x_offset | pc.x_stride), acc);
    coop_store(acc[0]);
    barrier();
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * COOP_N; idx += gl_WorkGroupSize.x) {
        const uint r = idx % COOP_M, c = idx / COOP_M, t = t0 + c;
        if (r >= n_rows || t >= pc.n_tokens) continue;
        const uint yi = pc.y_offset + t * pc.y_stride + row0 + r;
        const float dot = s_c[r * COOP_CS + c];
        y_out[yi] = pc.accumulate != 0u ? y_out[yi] + dot : dot;
    }
}
