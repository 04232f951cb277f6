// weight_type.glsl — picks the weight format of this build variant (one of WEIGHT_F32, WEIGHT_F16,
// WEIGHT_BF16, WEIGHT_Q8_0, WEIGHT_Q4_0 from kernels/manifest.cmake). Every format defines WEIGHT_QK
// (elements per block), WEIGHT_BLOCK_BYTES and weight_dequant(block_byte, out v[WEIGHT_QK]).
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
#else
#error "define one WEIGHT_<type>"
#endif
