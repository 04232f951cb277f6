// moe_gate_up.comp — first half of the expert FFN for each token's chosen experts: act = silu(gate_e·x) *
// (up_e·x), SwiGLU fused. Expert e lives in slot slot_table[e]; a slot holds the gate rows, then the up rows
// at up_offset_bytes. Workgroup (row block, pair t * k + j), one subgroup per row. A dispatch covers the
// slots of one binding chunk [slot_begin, slot_end); pairs whose slot is elsewhere are skipped.
// Bindings: 0 = slots (uint words), 1 = x (f32, [t][n_cols]), 2 = ids (int), 3 = slot_table (uint),
// 4 = act (f32, [t * k + j][n_ff]).
// CPU reference: reference::matvec() of both experts' rows, then reference::swiglu().
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
layout(std430, binding = 4) writeonly buffer Act { float act[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint k;             // experts per token
    uint n_cols;        // n_embd
    uint n_ff;          // rows of gate (and of up)
    uint row_bytes;
    uint slot_bytes;
    uint up_offset_bytes;
    uint w_base_byte;   // byte of slot slot_begin inside binding 0
    uint slot_begin;
    uint slot_end;
    uint ids_offset;
    uint x_stride;
} pc;

#include "common/weight_type.glsl"
#include "common/block_dot.glsl"
#include "common/row_dot.glsl"

void main() {
    const uint pair = gl_WorkGroupID.y;
    const uint t = pair / pc.k;
    const uint slot = slot_table[uint(ids[pc.ids_offset + pair])];
    if (slot < pc.slot_begin || slot >= pc.slot_end) return;  // uniform over the workgroup
    const uint slot_byte = pc.w_base_byte + (slot - pc.slot_begin) * pc.slot_bytes;
    const uint n_blocks = pc.n_cols / WEIGHT_QK;
    for (uint rr = gl_SubgroupID; rr < ROWS_PER_WG; rr += gl_NumSubgroups) {
        const uint r = gl_WorkGroupID.x * ROWS_PER_WG + rr;
        if (r >= pc.n_ff) break;  // uniform in the subgroup
        const uint gate_row = slot_byte + r * pc.row_bytes;
        const float g = subgroupAdd(row_dot_partial(gate_row, t * pc.x_stride, n_blocks));
        const float u = subgroupAdd(row_dot_partial(gate_row + pc.up_offset_bytes, t * pc.x_stride, n_blocks));
        if (subgroupElect()) act[pair * pc.n_ff + r] = g / (1.0 + exp(-g)) * u;
    }
}
