// moe_gate_up_coopmat.comp — moe_gate_up_tiled.comp on cooperative matrices (common/coopmat_tile.glsl): a
// workgroup per 64 rows x one grouped tile of up to 32 pairs of one expert, gate and up tiles side by side,
// fp16 operands, fp32 accumulators, SwiGLU from the f32 results. Bindings and push constants:
// common/expert_io.glsl (grouped only; the host sets ROWS_PER_WG = 64, PAIR_TILE = 32).
// CPU reference: reference::matvec() of both experts' rows, then reference::swiglu() (f16 activations tier).
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#define COOP_N 32u
#define COOP_W_TILES 2u
#include "common/weight_type.glsl"
#include "common/coopmat_tile.glsl"
#include "common/expert_gemm.glsl"

void main() {
    ExpertGemm g = expert_gemm_begin();
    if (!g.valid) return;  // uniform over the workgroup
    COOP_ACC gate[COOP_CN], up[COOP_CN];
    for (uint n = 0u; n < COOP_CN; ++n) gate[n] = up[n] = COOP_ACC(0.0);
    for (uint k0 = 0u; k0 < pc.n_cols; k0 += COOP_K) {
        const uint kmax = min(COOP_K, pc.n_cols - k0);
        coop_stage_w(0u, g.first_row_byte, pc.row_bytes, g.n_rows, k0, kmax);
        coop_stage_w(1u, g.first_row_byte + pc.up_offset_bytes, pc.row_bytes, g.n_rows, k0, kmax);
        coop_stage_x(k0, kmax);
        barrier();
        coop_mac(0u, gate);
        coop_mac(1u, up);
        barrier();
    }
    coop_store(0u, gate);
    coop_store(1u, up);
    barrier();
    for (uint idx = gl_LocalInvocationIndex; idx < COOP_M * COOP_N; idx += gl_WorkGroupSize.x) {
        const uint r = idx % COOP_M, c = idx / COOP_M;
        const float gs = s_c[r * COOP_CS + c], us = s_c[(COOP_M + r) * COOP_CS + c];
        expert_gemm_store(g, r, c, gs / (1.0 + exp(-gs)) * us);
    }
}
