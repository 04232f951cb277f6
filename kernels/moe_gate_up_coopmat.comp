// moe_gate_up_coopmat.comp — moe_gate_up_tiled.comp on cooperative matrices (common/coopmat_tile.glsl): a
// workgroup per 64 rows x one grouped tile of up to 32 pairs of one expert, gate and up tiles side by side,
// fp16 operands, fp32 accumulators, SwiGLU on the f32 accumulators. Bindings and push constants:
// common/expert_io.glsl (grouped only; the host sets ROWS_PER_WG = 64, PAIR_TILE = 32).
// CPU reference: reference::matvec() of both experts' rows, then reference::swiglu() (f16 activations tier).
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#define COOP_N 32u
#define COOP_W_TILES 2u
#include "common/vec4_loads.glsl"
#include "common/weight_type.glsl"
#include "common/coopmat_tile.glsl"
#include "common/expert_gemm.glsl"

void main() {
    ExpertGemm g = expert_gemm_begin();
    if (!g.valid) return;  // uniform over the workgroup
    COOP_ACC acc[2][COOP_CN];  // gate, up
    for (uint n = 0u; n < COOP_CN; ++n) acc[0][n] = acc[1][n] = COOP_ACC(0.0);
    CoopRows rows[2] = CoopRows[2](CoopRows(g.first_row_byte, pc.row_bytes, g.n_rows),
                                   CoopRows(g.first_row_byte + pc.up_offset_bytes, pc.row_bytes, g.n_rows));
    coop_gemm(rows, pc.n_cols, coop_fast_path(pc.n_cols, pc.x_stride), acc);
    // SwiGLU on the accumulators: gate and up have one type, so element i of both is the same output
    for (uint n = 0u; n < COOP_CN; ++n)
        for (int i = 0; i < acc[0][n].length(); ++i) {
            const float gs = acc[0][n][i];
            acc[0][n][i] = gs / (1.0 + exp(-gs)) * acc[1][n][i];
        }
    coop_store(acc[0]);
    barrier();
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * COOP_N; idx += gl_WorkGroupSize.x) {
        const uint r = idx % COOP_M, c = idx / COOP_M;
        expert_gemm_store(g, r, c, s_c[r * COOP_CS + c]);
    }
}
