// matmul_tiled.comp — y[t][r] = W[r]·x[t] (+ y[t][r] when accumulating) for prompts: the tiled mat-mul of
// common/gemm_tile.glsl, a workgroup per TILE_M rows x TILE_N tokens of one chunk of rows. Push constants
// and bindings as matmul.comp (decode and small batches keep that mat-vec kernel; the host picks by the
// call's token count, so a call's bits never depend on how its tokens are tiled).
// CPU reference: reference::matvec().
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;                  // TILE_M * TILE_N / 16
layout(constant_id = 2) const uint TILE_N = 32;  // tokens per workgroup
layout(constant_id = 3) const uint TILE_M = 32;  // rows per workgroup

layout(std430, binding = 0) readonly buffer Weights { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer X { float x_in[]; };
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

#define GEMM_M TILE_M
#define GEMM_N TILE_N
#define GEMM_W_TILES 1u
#include "common/weight_type.glsl"
#include "common/gemm_tile.glsl"

void main() {
    const uint row0 = gl_WorkGroupID.x * TILE_M, t0 = gl_WorkGroupID.y * TILE_N;
    for (uint c = gl_LocalInvocationIndex; c < TILE_N; c += gl_WorkGroupSize.x)
        s_col_base[c] = t0 + c < pc.n_tokens ? pc.x_offset + (t0 + c) * pc.x_stride : ~0u;
    barrier();
    float acc[GEMM_BM * GEMM_BN];
    gemm_clear(acc);
    const uint n_rows = min(TILE_M, pc.n_rows - row0);
    for (uint k0 = 0u; k0 < pc.n_cols; k0 += GEMM_K) {
        const uint kmax = min(GEMM_K, pc.n_cols - k0);
        gemm_stage_w(0u, pc.w_base_byte + row0 * pc.row_bytes, pc.row_bytes, n_rows, k0, kmax);
        gemm_stage_x(k0, kmax);
        barrier();
        gemm_mac(0u, kmax, acc);
        barrier();
    }
    for (uint j = 0u; j < GEMM_BM; ++j) {
        const uint r = gemm_row(j);
        if (r >= n_rows) continue;
        for (uint q = 0u; q < GEMM_BN; ++q) {
            const uint t = t0 + gemm_col(q);
            if (t >= pc.n_tokens) continue;
            const uint yi = pc.y_offset + t * pc.y_stride + row0 + r;
            const float dot = acc[j * GEMM_BN + q];
            y_out[yi] = pc.accumulate != 0u ? y_out[yi] + dot : dot;
        }
    }
}
