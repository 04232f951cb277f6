// moe_down_combine.comp — moe_down and moe_combine in one dispatch for the ungrouped path (decode): a
// workgroup per (row block, token) computes row r of the down matrix of each of the token's k experts in
// turn and adds sum_j w_j out_j (j = 0..k-1, in order) to the residual x[t][r]. Every dot has moe_down's
// order (units lane, lane + subgroup size, ..., subgroupAdd) and the weighted sum moe_combine's, both
// `precise`, so the bits equal moe_down followed by moe_combine (the path streamed experts take). All the
// token's experts must lie in this dispatch's slots. Bindings: common/expert_io.glsl (x = act [t * k + j]
// [n_cols], 4 = x [t][n_rows], 5 = routing weights [t][k]).
// CPU reference: reference::matvec() of the experts' down rows, then the weighted sum of reference::Forward.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "common/expert_io.glsl"
#include "common/weight_type.glsl"
#include "common/block_dot.glsl"
#include "common/row_dot.glsl"
#include "common/slice_dot.glsl"

void main() {
    const uint t = gl_WorkGroupID.y;
    const uint n_units = pc.n_cols / WEIGHT_QK;
    const bool slices = use_slices(pc.n_cols, 0u, pc.x_stride);  // GPUs: moe_down's slice order
    for (uint rr = gl_SubgroupID; rr < ROWS_PER_WG; rr += gl_NumSubgroups) {
        const uint r = gl_WorkGroupID.x * ROWS_PER_WG + rr;
        if (r >= pc.n_rows) break;  // uniform in the subgroup
        precise float acc = 0.0;
        for (uint j = 0u; j < pc.k; ++j) {
            const uint pair = t * pc.k + j;
            const uint slot_byte = expert_slot_byte(uint(ids[pc.ids_offset + pair]));
            if (slot_byte == ~0u) continue;  // the host binds every slot: never taken
            const uint row_byte = slot_byte + r * pc.row_bytes;
            const float dot = subgroupAdd(slices ? slice_dot_partial(row_byte, pair * pc.x_stride, pc.n_cols)
                                                 : row_dot_partial(row_byte, pair * pc.x_stride, n_units));
            acc += uintBitsToFloat(groups[t * pc.k + j]) * dot;  // binding 5 is declared as uint words
        }
        if (subgroupElect()) out_rows[t * pc.n_rows + r] += acc;
    }
}
