// quant_kquant_scales.glsl — the 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K super-block,
// packed in the 12 bytes at scales_byte (ggml's get_scale_min_k4): j < 4 in the low 6 bits of bytes j and
// j + 4; j >= 4 in the nibbles of byte j + 4 with their top 2 bits in bytes j - 4 and j. Reads the three
// words and selects without branching (llvmpipe runs both sides of a branch, and every load is a gather).
// scales_byte must be a multiple of 4. Requires weight_words.glsl. kquant_sub_block turns them into the
// float scale and min both formats dequantise with.
void kquant_scale_min(uint scales_byte, uint j, out uint sc, out uint m) {
    const uint i = scales_byte >> 2;
    const uint w0 = weight_words[i], w1 = weight_words[i + 1u], w2 = weight_words[i + 2u];  // bytes 0-3, 4-7, 8-11
    const uint k = j & 3u;
    const uint b_lo = (w0 >> (8u * k)) & 0xffu;   // byte k
    const uint b_mid = (w1 >> (8u * k)) & 0xffu;  // byte k + 4
    const uint b_hi = (w2 >> (8u * k)) & 0xffu;   // byte k + 8
    const bool low = j < 4u;
    sc = low ? (b_lo & 63u) : ((b_hi & 15u) | ((b_lo >> 6) << 4));
    m = low ? (b_mid & 63u) : ((b_hi >> 4) | ((b_mid >> 6) << 4));
}

// Scale d * sc_j and min dmin * m_j of sub-block j of the super-block at base_byte (fp16 d and dmin, then the
// 12 scale bytes): value = scale * q - min_value. base_byte must be a multiple of 4.
void kquant_sub_block(uint base_byte, uint j, out float scale, out float min_value) {
    const vec2 d_dmin = unpackHalf2x16(weight_words[base_byte >> 2]);
    uint sc, m;
    kquant_scale_min(base_byte + 4u, j, sc, m);
    scale = d_dmin.x * float(sc);
    min_value = d_dmin.y * float(m);
}
