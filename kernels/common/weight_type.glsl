// weight_type.glsl — picks the weight format of this build variant (one of WEIGHT_F32, WEIGHT_F16,
// WEIGHT_BF16, WEIGHT_Q8_0, WEIGHT_Q4_0, WEIGHT_Q4_K, WEIGHT_Q5_K, WEIGHT_Q6_K from kernels/manifest.cmake).
// Every format defines WEIGHT_QK (elements per unit: 1 for float types, 32 for quantised ones) and
// weight_dequant_unit(row_byte, unit, out v[WEIGHT_QK]): the values unit * WEIGHT_QK .. + WEIGHT_QK - 1 of
// the row starting at row_byte. A unit is a ggml block, or a 32-value slice of a K-quant super-block with
// its sub-block scales, so mat-vec loops are the same for every format and a lane never holds 256 floats.
// Requires: `uint weight_words[]` declared by the kernel.
#include "weight_words.glsl"
#if defined(WEIGHT_F32)
#include "type_f32.glsl"
#elif defined(WEIGHT_F16)
#include "type_f16.glsl"
#elif defined(WEIGHT_BF16)
#include "type_bf16.glsl"
#elif defined(WEIGHT_Q8_0)
#include "quant_q8_0.glsl"
#elif defined(WEIGHT_Q4_0)
#include "quant_q4_0.glsl"
#elif defined(WEIGHT_Q4_K)
#include "quant_kquant_scales.glsl"
#include "quant_q4_k.glsl"
#elif defined(WEIGHT_Q5_K)
#include "quant_kquant_scales.glsl"
#include "quant_q5_k.glsl"
#elif defined(WEIGHT_Q6_K)
#include "quant_q6_k.glsl"
#else
#error "define one WEIGHT_<type>"
#endif

// Formats that define WEIGHT_HAS_SLICE8 also read 8 values at a time: weight_slice8(row_byte, e, lo, hi)
// gives values e .. e + 7 (e a multiple of 8), the same as weight_dequant_unit (slice_dot.glsl, coopmat_tile.glsl).
#ifdef WEIGHT_HAS_SLICE8
const bool WEIGHT_SLICES = true;
#else
const bool WEIGHT_SLICES = false;
void weight_slice8(uint row_byte, uint e, out vec4 lo, out vec4 hi) { lo = hi = vec4(0.0); }  // never called
#endif

// Units a mat-vec lane loads before it sums them: a float type's units are a few bytes, so a row is many
// short dependent steps unless several loads are in flight (the f32 router: 16 units of 4 a lane).
// Quantised units are 32 values: one at a time keeps the registers low. The summation order is the same.
const uint UNIT_BATCH = WEIGHT_QK <= 4u ? 8u : 1u;

// The unit, or zeros where a tile reaches past the matrix (inside == false): the padding of the tiled kernels.
void weight_dequant_unit_or_zero(bool inside, uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    if (inside) {
        weight_dequant_unit(row_byte, unit, v);
    } else {
        for (uint j = 0u; j < WEIGHT_QK; ++j) v[j] = 0.0;
    }
}
