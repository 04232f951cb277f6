// type_f32.glsl — float32 weights. Rows start at multiples of 4 bytes.
// One element per unit, except in the F32_UNIT4 variants of the mat-vec kernels (matmul_f32x4,
// matmul_norm_f32x4; the host picks them on GPUs when n_cols is a multiple of 4): units of 4 columns, so a lane
// issues a quarter of the dependent loads (and UNIT_BATCH of them at once, weight_type.glsl). Why: the
// router (128 rows of 2048, f32) ran 64 workgroups, each
// lane walking 64 scalar units one after another: ~44 us a layer on the H100, latency rather than bytes.
// F32_UNIT4 requires the kernel's weights at binding 0.
#ifdef F32_UNIT4
#include "vec4_loads.glsl"
layout(std430, binding = 0) readonly buffer WeightQuads { uvec4 weight_quads[]; };
const uint WEIGHT_QK = 4u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    const uint word = (row_byte >> 2) + unit * 4u;
    uvec4 q;
    if (VEC4_ACTIVATION_LOADS && (word & 3u) == 0u) {
        q = weight_quads[word >> 2];
    } else {
        q = uvec4(weight_words[word], weight_words[word + 1u], weight_words[word + 2u], weight_words[word + 3u]);
    }
    v[0] = uintBitsToFloat(q.x);
    v[1] = uintBitsToFloat(q.y);
    v[2] = uintBitsToFloat(q.z);
    v[3] = uintBitsToFloat(q.w);
}
#else
const uint WEIGHT_QK = 1u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    v[0] = uintBitsToFloat(weight_words[(row_byte >> 2) + unit]);
}
#endif
