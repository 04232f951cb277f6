// get_rows.comp — embedding gather: out[t] = dequantised row ids[t] of W, for the rows of one binding chunk
// [row_begin, row_begin + n_rows); tokens whose row is in another chunk are left alone. One invocation per
// unit (common/weight_type.glsl) of a row. Bindings: 0 = W (uint words), 1 = ids (int), 2 = out (f32).
// CPU reference: model::dequantize_row() of the row.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Weights { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float out_rows[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_cols;
    uint row_bytes;
    uint w_base_byte;  // byte of row row_begin inside binding 0
    uint row_begin;
    uint n_rows;
    uint out_offset;   // out[t][c] = out_rows[out_offset + t * out_stride + c]
    uint out_stride;
} pc;

#include "common/weight_type.glsl"

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    if (unit >= pc.n_cols / WEIGHT_QK || t >= pc.n_tokens) return;
    const uint id = uint(ids[t]);
    if (id < pc.row_begin || id - pc.row_begin >= pc.n_rows) return;
    float v[WEIGHT_QK];
    weight_dequant_unit(pc.w_base_byte + (id - pc.row_begin) * pc.row_bytes, unit, v);
    const uint o = pc.out_offset + t * pc.out_stride + unit * WEIGHT_QK;
    for (uint j = 0u; j < WEIGHT_QK; ++j) out_rows[o + j] = v[j];
}
