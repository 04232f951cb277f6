// quant_q6_k.glsl — ggml block_q6_K (lib/model/ggml_kquants.h BlockQ6_K): 256 values in 210 bytes (128 low
// 4-bit bytes ql, 64 high 2-bit bytes qh, 16 int8 scales, fp16 d last). A unit is 32 values: quarter k =
// unit % 4 of half h = (unit / 4) % 2 of super-block unit / 8. Value l has low bits in ql[64h + l + 32 (k &
// 1)] (low nibble for k < 2, high for k >= 2), high bits at bit 2k of qh[32h + l], scale scales[8h + 2k +
// l / 16]: d * scale * (q - 32). Requires weight_words.glsl.
const uint WEIGHT_QK = 32u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    const uint base = row_byte + (unit >> 3) * 210u;
    const uint h = (unit >> 2) & 1u;
    const uint k = unit & 3u;
    const float d = unpackHalf2x16(weight_u16(base + 208u)).x;
    const uint sc_byte = base + 192u + 8u * h + 2u * k;
    // int8 scales: sign-extend the byte
    const float d_lo = d * float(bitfieldExtract(int(weight_u8(sc_byte)), 0, 8));
    const float d_hi = d * float(bitfieldExtract(int(weight_u8(sc_byte + 1u)), 0, 8));
    const bool odd = (base & 2u) != 0u;  // every other 210-byte super-block starts 2 mod 4
    const uint ql = (base + 64u * h + 32u * (k & 1u)) >> 2;  // word holding the slice's first low-bits byte
    const uint qh = (base + 128u + 32u * h) >> 2;
    const uint lo_shift = 4u * (k >> 1);
    uint ql_prev = weight_words[ql], qh_prev = weight_words[qh];
    for (uint w = 0u; w < 8u; ++w) {
        // the word after the slice is still inside the super-block (qh follows ql, the scales follow qh)
        const uint ql_next = weight_words[ql + w + 1u], qh_next = weight_words[qh + w + 1u];
        const uint lo = weight_join(ql_prev, ql_next, odd) >> lo_shift;
        const uint hi = weight_join(qh_prev, qh_next, odd) >> (2u * k);
        ql_prev = ql_next;
        qh_prev = qh_next;
        for (uint b = 0u; b < 4u; ++b) {
            const uint q6 = ((lo >> (8u * b)) & 15u) | (((hi >> (8u * b)) & 3u) << 4);
            v[4u * w + b] = (w < 4u ? d_lo : d_hi) * float(int(q6) - 32);
        }
    }
}

// Values e .. e + 7 (e a multiple of 8) for slice_dot.glsl: in quarter k of half h, 8 low-bits bytes and
// their 8 high-bits bytes (even offsets: weight_bytes8) under one scale (8 values never cross a 16-value
// scale group), the same values as weight_dequant_unit().
#define WEIGHT_HAS_SLICE8
void weight_slice8(uint row_byte, uint e, out vec4 lo, out vec4 hi) {
    const uint base = row_byte + (e >> 8) * 210u;
    const uint h = (e >> 7) & 1u, k = (e >> 5) & 3u, l = e & 31u;
    const float d = unpackHalf2x16(weight_u16(base + 208u)).x;
    const float ds = d * float(bitfieldExtract(int(weight_u8(base + 192u + 8u * h + 2u * k + (l >> 4))), 0, 8));
    const uvec2 ql = weight_bytes8(base + 64u * h + 32u * (k & 1u) + l) >> (4u * (k >> 1));
    const uvec2 qh = weight_bytes8(base + 128u + 32u * h + l) >> (2u * k);
    const uvec2 q6 = (ql & 0x0f0f0f0fu) | ((qh & 0x03030303u) << 4);
    lo = ds * (vec4(uvec4(q6.x, q6.x >> 8, q6.x >> 16, q6.x >> 24) & 0xffu) - 32.0);
    hi = ds * (vec4(uvec4(q6.y, q6.y >> 8, q6.y >> 16, q6.y >> 24) & 0xffu) - 32.0);
}
