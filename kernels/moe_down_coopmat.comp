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
#include "common/vec4_loads.glsl"
#include "common/weight_type.glsl"
#include "common/coopmat_tile.glsl"
#include "common/expert_gemm.glsl"

void main() {
    ExpertGemm g = expert_gemm_begin();
    if (!g.valid) return;  // uniform over the workgroup
    COOP_ACC acc[1][COOP_CN];
    for (uint n = 0u; n < COOP_CN; ++n) acc[0][n] = COOP_ACC(0.0);
    CoopRows rows[1] = CoopRows[1](CoopRows(g.first_row_byte, pc.row_bytes, g.n_rows));
    coop_gemm(rows, pc.n_cols, coop_fast_path(pc.n_cols, pc.x_stride), acc);
    coop_store(acc[0]);
    barrier();
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * COOP_N; idx += gl_WorkGroupSize.x) {
        const uint r = idx % COOP_M, c = idx / COOP_M;
        expert_gemm_store(g, r, c, s_c[r * COOP_CS + c]);
    }
}
