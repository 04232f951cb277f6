// quant_q4_k.glsl — ggml block_q4_K (lib/model/ggml_kquants.h BlockQ4_K): 256 values in 144 bytes (fp16 d,
// fp16 dmin, 12 scale bytes, 128 quant bytes). A unit is sub-block j = unit % 8 of super-block unit / 8:
// value l is d * sc_j * q - dmin * m_j, q the low (j even) or high (j odd) nibble of qs[32 (j / 2) + l].
// Same products as model::dequantize_row. Rows start at multiples of 4 bytes (144-byte super-blocks keep
// every word aligned; lib/session checks the offsets). Requires weight_words.glsl, quant_kquant_scales.glsl.
const uint WEIGHT_QK = 32u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    const uint base = row_byte + (unit >> 3) * 144u;
    const uint j = unit & 7u;
    float scale, min_value;
    kquant_sub_block(base, j, scale, min_value);
    const uint shift = 4u * (j & 1u);
    const uint qs = base + 16u + 32u * (j >> 1);
    for (uint w = 0u; w < 8u; ++w) {
        const uint q = weight_words[(qs >> 2) + w] >> shift;
        for (uint b = 0u; b < 4u; ++b) v[4u * w + b] = scale * float((q >> (8u * b)) & 15u) - min_value;
    }
}

// Values e .. e + 7 (e a multiple of 8) for slice_dot.glsl: 8 consecutive quant bytes of sub-block
// j = (e / 32) % 8 (two aligned words), the same values as weight_dequant_unit().
#define WEIGHT_HAS_SLICE8
void weight_slice8(uint row_byte, uint e, out vec4 lo, out vec4 hi) {
    const uint base = row_byte + (e >> 8) * 144u;
    const uint j = (e >> 5) & 7u;
    float scale, min_value;
    kquant_sub_block(base, j, scale, min_value);
    const uint shift = 4u * (j & 1u);
    const uint w = (base + 16u + 32u * (j >> 1) + (e & 31u)) >> 2;
    const uint a = (weight_words[w] >> shift) & 0x0f0f0f0fu;
    const uint b = (weight_words[w + 1u] >> shift) & 0x0f0f0f0fu;
    lo = scale * vec4(uvec4(a, a >> 8, a >> 16, a >> 24) & 0xffu) - min_value;
    hi = scale * vec4(uvec4(b, b >> 8, b >> 16, b >> 24) & 0xffu) - min_value;
}
