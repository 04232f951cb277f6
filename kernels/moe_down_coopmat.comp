// moe_down_coopmat.comp — moe_down_tiled.comp on cooperative matrices (common/coopmat_tile.glsl): a
// workgroup per 64 rows x one grouped tile of up to 32 pairs of one expert, fp16 operands, fp32
// accumulators. Bindings and push constants: common/expert_io.glsl (grouped only; the host sets
// ROWS_PER_WG = 64, PAIR_TILE = 32).
// CPU reference: reference::matvec() of the expert's down rows (f16 activations tier).
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#define COOP_N 32u
#define COOP_W_TILES 1u
#include "common/weight_type.glsl"
#include "common/coopmat_tile.glsl"
#include "common/expert_gemm.glsl"

void main() {
    ExpertGemm g = expert_gemm_begin();
    if (!g.valid) return;  // uniform over the workgroup
    COOP_ACC acc[COOP_CN];
    for (uint n = 0u; n < COOP_CN; ++n) acc[n] = COOP_ACC(0.0);
    for (uint k0 = 0u; k0 < pc.n_cols; k0 += COOP_K) {
        const uint kmax = min(COOP_K, pc.n_cols - k0);
        coop_stage_w(0u, g.first_row_byte, pc.row_bytes, g.n_rows, k0, kmax);
        coop_stage_x(k0, kmax);
        barrier();
        coop_mac(0u, acc);
        barrier();
    }
    coop_store(0u, acc);
    barrier();
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * COOP_N; idx += gl_WorkGroupSize.x) {
        const uint r = idx % COOP_M, c = idx / COOP_M;
        expert_gemm_store(g, r, c, s_c[r * COOP_CS + c]);
    }
}
