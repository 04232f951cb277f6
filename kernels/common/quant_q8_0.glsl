// quant_q8_0.glsl — ggml block_q8_0 (lib/model/ggml_type.h BlockQ8_0): fp16 d, then 32 int8 q; element j is
// q[j] * d. 32 elements in 34 bytes; a unit is one block. Requires weight_words.glsl.
const uint WEIGHT_QK = 32u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    const uint block_byte = row_byte + unit * 34u;
    const float d = unpackHalf2x16(weight_u16(block_byte)).x;
    const uint qs = block_byte + 2u;
    const bool odd = (qs & 2u) != 0u;  // 34-byte blocks: every other one starts 2 mod 4
    uint word = weight_words[qs >> 2];
    for (uint w = 0u; w < 8u; ++w) {
        const uint next = weight_word_clamped((qs >> 2) + w + 1u);
        const int q = int(weight_join(word, next, odd));  // q[4w .. 4w+3]
        word = next;
        for (uint b = 0u; b < 4u; ++b) v[4u * w + b] = float(bitfieldExtract(q, int(8u * b), 8)) * d;  // sign-extends
    }
}

// Values e .. e + 7 (e a multiple of 8) for slice_dot.glsl: 8 consecutive int8, the same values as
// weight_dequant_unit().
#define WEIGHT_HAS_SLICE8
void weight_slice8(uint row_byte, uint e, out vec4 lo, out vec4 hi) {
    const uint block_byte = row_byte + (e >> 5) * 34u;
    const float d = unpackHalf2x16(weight_u16(block_byte)).x;
    const uint q = block_byte + 2u + (e & 31u);
    const uvec2 bytes = weight_bytes8(q);
    const ivec4 a = ivec4(int(bytes.x)) << ivec4(24, 16, 8, 0) >> 24;  // sign-extends
    const ivec4 b = ivec4(int(bytes.y)) << ivec4(24, 16, 8, 0) >> 24;
    lo = vec4(a) * d;
    hi = vec4(b) * d;
}
