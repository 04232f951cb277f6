// quant_kquant_scales.glsl — the 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K super-block,
// packed in the 12 bytes at scales_byte (ggml's get_scale_min_k4): j < 4 in the low 6 bits of bytes j and
// j + 4; j >= 4 in the nibbles of byte j + 4 with their top 2 bits in bytes j - 4 and j.
// Requires weight_words.glsl.
void kquant_scale_min(uint scales_byte, uint j, out uint sc, out uint m) {
    if (j < 4u) {
        sc = weight_u8(scales_byte + j) & 63u;
        m = weight_u8(scales_byte + j + 4u) & 63u;
    } else {
        const uint packed = weight_u8(scales_byte + j + 4u);
        sc = (packed & 15u) | ((weight_u8(scales_byte + j - 4u) >> 6) << 4);
        m = (packed >> 4) | ((weight_u8(scales_byte + j) >> 6) << 4);
    }
}
