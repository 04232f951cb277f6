// moe_gate_up.comp — first half of the expert FFN for each token's chosen experts: act = silu(gate_e·x) *
// (up_e·x), SwiGLU fused. A slot holds the gate rows, then the up rows at up_offset_bytes. Work split,
// bindings and grouping: common/expert_io.glsl (x = [t][n_cols], out = act [t * k + j][n_rows]).
// CPU reference: reference::matvec() of both experts' rows, then reference::swiglu().
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#include "common/weight_type.glsl"
#include "common/block_dot.glsl"
#include "common/slice_dot.glsl"

void main() {
    const ExpertTile tile = expert_tile();
    const uint slot_byte = tile_slot_byte(tile);
    if (slot_byte == ~0u) return;  // uniform over the workgroup
    const uint n_units = pc.n_cols / WEIGHT_QK;
    const bool slices = use_slices(pc.n_cols, 0u, pc.x_stride);  // GPUs: common/slice_dot.glsl
    uint x_base[PAIR_TILE];
    for (uint i = 0u; i < PAIR_TILE; ++i) x_base[i] = i < tile.count ? tile_pair(tile, i) / pc.pairs_per_x * pc.x_stride : 0u;
    for (uint rr = gl_SubgroupID; rr < ROWS_PER_WG; rr += gl_NumSubgroups) {
        const uint r = gl_WorkGroupID.x * ROWS_PER_WG + rr;
        if (r >= pc.n_rows) break;  // uniform in the subgroup
        const uint gate_row = slot_byte + r * pc.row_bytes;
        float g[PAIR_TILE], u[PAIR_TILE];
        for (uint i = 0u; i < PAIR_TILE; ++i) g[i] = u[i] = 0.0;
        if (slices) {
            for (uint e0 = 8u * gl_SubgroupInvocationID; e0 < pc.n_cols; e0 += SLICE_BATCH * slice_step()) {
                vec4 glo[SLICE_BATCH], ghi[SLICE_BATCH], ulo[SLICE_BATCH], uhi[SLICE_BATCH];
                load_slices(gate_row, e0, pc.n_cols, glo, ghi);
                load_slices(gate_row + pc.up_offset_bytes, e0, pc.n_cols, ulo, uhi);
                for (uint i = 0u; i < PAIR_TILE; ++i) {
                    if (i >= tile.count) break;
                    for (uint s = 0u; s < SLICE_BATCH; ++s) {  // slices_fma for gate and up, one x load
                        const uint e = e0 + s * slice_step();
                        const uint x4 = (x_base[i] + min(e, pc.n_cols - 8u)) >> 2;
                        const vec4 a = x_in4[x4], b = x_in4[x4 + 1u];
                        const float gs = slice_fma(g[i], glo[s], ghi[s], a, b), us = slice_fma(u[i], ulo[s], uhi[s], a, b);
                        g[i] = e < pc.n_cols ? gs : g[i];
                        u[i] = e < pc.n_cols ? us : u[i];
                    }
                }
            }
        } else {
            for (uint unit = gl_SubgroupInvocationID; unit < n_units; unit += gl_SubgroupSize) {
                float w[WEIGHT_QK];
                weight_dequant_unit(gate_row, unit, w);
                for (uint i = 0u; i < PAIR_TILE; ++i) {
                    if (i >= tile.count) break;
                    g[i] += block_dot(w, x_base[i] + unit * WEIGHT_QK);
                }
                weight_dequant_unit(gate_row + pc.up_offset_bytes, unit, w);
                for (uint i = 0u; i < PAIR_TILE; ++i) {
                    if (i >= tile.count) break;
                    u[i] += block_dot(w, x_base[i] + unit * WEIGHT_QK);
                }
            }
        }
        for (uint i = 0u; i < PAIR_TILE; ++i) {
            if (i >= tile.count) break;  // uniform
            const float gs = subgroupAdd(g[i]), us = subgroupAdd(u[i]);
            if (subgroupElect()) out_rows[tile_pair(tile, i) * pc.n_rows + r] = gs / (1.0 + exp(-gs)) * us;
        }
    }
}
