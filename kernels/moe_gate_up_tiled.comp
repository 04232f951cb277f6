// moe_gate_up_tiled.comp — moe_gate_up.comp for prompts: act = silu(gate_e·x) * (up_e·x) with the tiled
// mat-mul of common/gemm_tile.glsl, a workgroup per TILE_M rows x one grouped tile of up to PAIR_TILE pairs
// of one expert (moe_group.comp; the gate and up tiles are staged side by side). Bindings and push
// constants: common/expert_io.glsl (grouped only).
// CPU reference: reference::matvec() of both experts' rows, then reference::swiglu().
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#define GEMM_M ROWS_PER_WG
#define GEMM_N PAIR_TILE
#define GEMM_W_TILES 2u
#include "common/weight_type.glsl"
#include "common/gemm_tile.glsl"
#include "common/expert_gemm.glsl"

void main() {
    ExpertGemm g = expert_gemm_begin();
    if (!g.valid) return;  // uniform over the workgroup
    float gate[GEMM_BM * GEMM_BN], up[GEMM_BM * GEMM_BN];
    gemm_clear(gate);
    gemm_clear(up);
    for (uint k0 = 0u; k0 < pc.n_cols; k0 += GEMM_K) {
        const uint kmax = min(GEMM_K, pc.n_cols - k0);
        gemm_stage_w(0u, g.first_row_byte, pc.row_bytes, g.n_rows, k0, kmax);
        gemm_stage_w(1u, g.first_row_byte + pc.up_offset_bytes, pc.row_bytes, g.n_rows, k0, kmax);
        gemm_stage_x(k0, kmax);
        barrier();
        gemm_mac(0u, kmax, gate);
        gemm_mac(1u, kmax, up);
        barrier();
    }
    for (uint j = 0u; j < GEMM_BM; ++j)
        for (uint q = 0u; q < GEMM_BN; ++q) {
            const float gs = gate[j * GEMM_BN + q];
            expert_gemm_store(g, gemm_row(j), gemm_col(q), gs / (1.0 + exp(-gs)) * up[j * GEMM_BN + q]);
        }
}
