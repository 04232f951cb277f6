// quant_q4_0.glsl — ggml block_q4_0 (lib/model/ggml_type.h BlockQ4_0): fp16 d, then 16 bytes; element j is
// (qs[j] & 15) - 8 and element j+16 is (qs[j] >> 4) - 8, both times d. 32 elements in 18 bytes; a unit is
// one block. Requires weight_words.glsl.
const uint WEIGHT_QK = 32u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    const uint block_byte = row_byte + unit * 18u;
    const float d = unpackHalf2x16(weight_u16(block_byte)).x;
    const uint qs = block_byte + 2u;
    const bool odd = (qs & 2u) != 0u;  // 18-byte blocks: every other one starts 2 mod 4
    uint word = weight_words[qs >> 2];
    for (uint w = 0u; w < 4u; ++w) {
        const uint next = weight_word_clamped((qs >> 2) + w + 1u);
        const uint q = weight_join(word, next, odd);  // qs[4w .. 4w+3]
        word = next;
        for (uint b = 0u; b < 4u; ++b) {
            const uint byte_val = (q >> (8u * b)) & 0xffu;
            v[4u * w + b] = float(int(byte_val & 15u) - 8) * d;
            v[4u * w + b + 16u] = float(int(byte_val >> 4) - 8) * d;
        }
    }
}

// Values e .. e + 7 (e a multiple of 8) for slice_dot.glsl: the low (e % 32 < 16) or high nibbles of 8
// consecutive quant bytes, the same values as weight_dequant_unit().
#define WEIGHT_HAS_SLICE8
void weight_slice8(uint row_byte, uint e, out vec4 lo, out vec4 hi) {
    const uint block_byte = row_byte + (e >> 5) * 18u;
    const float d = unpackHalf2x16(weight_u16(block_byte)).x;
    const uint q = block_byte + 2u + (e & 15u);
    const uvec2 bytes = weight_bytes8(q);
    const uint shift = (e & 16u) >> 2;  // 0 for low nibbles, 4 for high ones
    const uint a = (bytes.x >> shift) & 0x0f0f0f0fu;
    const uint b = (bytes.y >> shift) & 0x0f0f0f0fu;
    lo = (vec4(uvec4(a, a >> 8, a >> 16, a >> 24) & 0xffu) - 8.0) * d;
    hi = (vec4(uvec4(b, b >> 8, b >> 16, b >> 24) & 0xffu) - 8.0) * d;
}
