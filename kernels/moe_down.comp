// moe_down.comp — second half of the expert FFN: out[t * k + j] = down_e · act[t * k + j] for each token's
// chosen expert e, in slot slot_table[e]. A dispatch covers the slots of one binding chunk [slot_begin,
// slot_end); pairs whose slot is elsewhere are skipped. Workgroup (row block, pair); one subgroup per row.
// Bindings: 0 = slots (uint words), 1 = act (f32, [pair][n_cols]), 2 = ids (int), 3 = slot_table (uint),
// 4 = out (f32, [pair][n_rows]).
// CPU reference: reference::matvec() of the expert's down rows.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
layout(local_size_x_id = 0) in;
layout(constant_id = 3) const uint ROWS_PER_WG = 2;  // rows per workgroup, one subgroup each

layout(std430, binding = 0) readonly buffer Weights { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer X { float x_in[]; };
layout(std430, binding = 1) readonly buffer X4 { vec4 x_in4[]; };  // the same activations, for wide loads
layout(std430, binding = 2) readonly buffer Ids { int ids[]; };
layout(std430, binding = 3) readonly buffer SlotTable { uint slot_table[]; };
layout(std430, binding = 4) writeonly buffer Out { float out_rows[]; };

layout(push_constant) uniform PushConstants {
    uint n_pairs;       // tokens * k
    uint n_cols;        // n_ff
    uint n_rows;        // n_embd
    uint row_bytes;
    uint slot_bytes;
    uint w_base_byte;   // byte of slot slot_begin inside binding 0
    uint slot_begin;
    uint slot_end;
    uint ids_offset;
} pc;

#include "common/weight_type.glsl"
#include "common/block_dot.glsl"
#include "common/row_dot.glsl"

void main() {
    const uint pair = gl_WorkGroupID.y;
    const uint slot = slot_table[uint(ids[pc.ids_offset + pair])];
    if (slot < pc.slot_begin || slot >= pc.slot_end) return;  // uniform over the workgroup
    const uint slot_byte = pc.w_base_byte + (slot - pc.slot_begin) * pc.slot_bytes;
    for (uint rr = gl_SubgroupID; rr < ROWS_PER_WG; rr += gl_NumSubgroups) {
        const uint r = gl_WorkGroupID.x * ROWS_PER_WG + rr;
        if (r >= pc.n_rows) break;  // uniform in the subgroup
        const float dot = subgroupAdd(row_dot_partial(slot_byte + r * pc.row_bytes, pair * pc.n_cols, pc.n_cols / WEIGHT_QK));
        if (subgroupElect()) out_rows[pair * pc.n_rows + r] = dot;
    }
}
