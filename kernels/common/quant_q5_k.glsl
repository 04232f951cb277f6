// quant_q5_k.glsl — ggml block_q5_K (lib/model/ggml_kquants.h BlockQ5_K): 256 values in 176 bytes (fp16 d,
// fp16 dmin, 12 scale bytes, 32 high-bit bytes qh, 128 quant bytes). A unit is sub-block j = unit % 8 of
// super-block unit / 8: value l is d * sc_j * (q + 16 * bit j of qh[l]) - dmin * m_j, q the low (j even)
// or high (j odd) nibble of qs[32 (j / 2) + l]. Rows start at multiples of 4 bytes (176-byte super-blocks
// keep every word aligned; lib/session checks the offsets). Requires weight_words.glsl, quant_kquant_scales.glsl.
const uint WEIGHT_QK = 32u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    const uint base = row_byte + (unit >> 3) * 176u;
    const uint j = unit & 7u;
    float scale, min_value;
    kquant_sub_block(base, j, scale, min_value);
    const uint shift = 4u * (j & 1u);
    const uint qs = base + 48u + 32u * (j >> 1);
    for (uint w = 0u; w < 8u; ++w) {
        const uint q = weight_words[(qs >> 2) + w] >> shift;
        const uint qh = weight_words[((base + 16u) >> 2) + w] >> j;
        for (uint b = 0u; b < 4u; ++b) {
            const uint q5 = ((q >> (8u * b)) & 15u) | (((qh >> (8u * b)) & 1u) << 4);
            v[4u * w + b] = scale * float(q5) - min_value;
        }
    }
}

// Values e .. e + 7 (e a multiple of 8) for slice_dot.glsl: 8 quant bytes of sub-block j = (e / 32) % 8 and
// bit j of the 8 matching qh bytes (aligned word pairs), the same values as weight_dequant_unit().
#define WEIGHT_HAS_SLICE8
void weight_slice8(uint row_byte, uint e, out vec4 lo, out vec4 hi) {
    const uint base = row_byte + (e >> 8) * 176u;
    const uint j = (e >> 5) & 7u;
    float scale, min_value;
    kquant_sub_block(base, j, scale, min_value);
    const uint shift = 4u * (j & 1u);
    const uint l = e & 31u;
    const uint w = (base + 48u + 32u * (j >> 1) + l) >> 2, wh = (base + 16u + l) >> 2;
    const uint a = ((weight_words[w] >> shift) & 0x0f0f0f0fu) | (((weight_words[wh] >> j) & 0x01010101u) << 4);
    const uint b = ((weight_words[w + 1u] >> shift) & 0x0f0f0f0fu) | (((weight_words[wh + 1u] >> j) & 0x01010101u) << 4);
    lo = scale * vec4(uvec4(a, a >> 8, a >> 16, a >> 24) & 0xffu) - min_value;
    hi = scale * vec4(uvec4(b, b >> 8, b >> 16, b >> 24) & 0xffu) - min_value;
}
