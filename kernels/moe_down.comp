// moe_down.comp — second half of the expert FFN: out[t * k + j] = down_e · act[t * k + j] for each token's
// chosen expert e. Work split, bindings and grouping: common/expert_io.glsl (x = act [pair][n_cols],
// out = [pair][n_rows]).
// CPU reference: reference::matvec() of the expert's down rows.
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
        const uint row = slot_byte + r * pc.row_bytes;
        float acc[PAIR_TILE];
        for (uint i = 0u; i < PAIR_TILE; ++i) acc[i] = 0.0;
        if (slices) {
            for (uint e0 = 8u * gl_SubgroupInvocationID; e0 < pc.n_cols; e0 += SLICE_BATCH * slice_step()) {
                vec4 lo[SLICE_BATCH], hi[SLICE_BATCH];
                load_slices(row, e0, pc.n_cols, lo, hi);
                for (uint i = 0u; i < PAIR_TILE; ++i) {
                    if (i >= tile.count) break;
                    acc[i] = slices_fma(acc[i], lo, hi, e0, pc.n_cols, x_base[i]);
                }
            }
        } else {
            for (uint unit = gl_SubgroupInvocationID; unit < n_units; unit += gl_SubgroupSize) {
                float w[WEIGHT_QK];
                weight_dequant_unit(row, unit, w);
                for (uint i = 0u; i < PAIR_TILE; ++i) {
                    if (i >= tile.count) break;
                    acc[i] += block_dot(w, x_base[i] + unit * WEIGHT_QK);
                }
            }
        }
        for (uint i = 0u; i < PAIR_TILE; ++i) {
            if (i >= tile.count) break;  // uniform
            const float dot = subgroupAdd(acc[i]);
            if (subgroupElect()) out_rows[tile_pair(tile, i) * pc.n_rows + r] = dot;
        }
    }
}
