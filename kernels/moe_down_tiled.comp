// moe_down_tiled.comp — moe_down.comp for prompts: out[pair] = down_e · act[pair] with the tiled mat-mul of
// common/gemm_tile.glsl, a workgroup per TILE_M rows x one grouped tile of up to PAIR_TILE pairs of one
// expert (moe_group.comp). Bindings and push constants: common/expert_io.glsl (grouped only).
// CPU reference: reference::matvec() of the expert's down rows.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#define GEMM_M ROWS_PER_WG
#define GEMM_N PAIR_TILE
#define GEMM_W_TILES 1u
#include "common/weight_type.glsl"
#include "common/gemm_tile.glsl"
#include "common/expert_gemm.glsl"

void main() {
    ExpertGemm g = expert_gemm_begin();
    if (!g.valid) return;  // uniform over the workgroup
    float acc[GEMM_BM * GEMM_BN];
    gemm_clear(acc);
    for (uint k0 = 0u; k0 < pc.n_cols; k0 += GEMM_K) {
        const uint kmax = min(GEMM_K, pc.n_cols - k0);
        gemm_stage_w(0u, g.first_row_byte, pc.row_bytes, g.n_rows, k0, kmax);
        gemm_stage_x(k0, kmax);
        barrier();
        gemm_mac(0u, kmax, acc);
        barrier();
    }
    for (uint j = 0u; j < GEMM_BM; ++j)
        for (uint q = 0u; q < GEMM_BN; ++q) expert_gemm_store(g, gemm_row(j), gemm_col(q), acc[j * GEMM_BN + q]);
}
