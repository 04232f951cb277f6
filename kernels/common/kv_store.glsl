// kv_store.glsl — writes to a K/V cache region in the layout of kv_cache.glsl (which must be included
// first); q8_0 values are quantised here exactly as ggml's reference quantiser does.
// Requires: `uint kv_words[]` declared writable by the kernel.

// x rounded to the nearest fp16 value (ties to even), as a float. Integer operations, because a compiler
// may fold unpackHalf2x16(packHalf2x16(x)) into x (NVIDIA's does), and the scale must be exactly ggml's.
float fp16_round(float x) {
    const uint bits = floatBitsToUint(x);
    const uint sign = bits & 0x80000000u, a = bits & 0x7fffffffu;
    if (a >= 0x7f800000u) return x;                                // inf, NaN
    if (a >= 0x477ff000u) return uintBitsToFloat(sign | 0x7f800000u);  // rounds past fp16's max
    if (a < 0x38800000u) {
        // fp16 subnormal range: multiples of 2^-24, both scalings exact
        const float q = roundEven(uintBitsToFloat(a) * 16777216.0);
        return uintBitsToFloat(sign | floatBitsToUint(q * (1.0 / 16777216.0)));
    }
    const uint r = (a + 0xfffu + ((a >> 13) & 1u)) & 0xffffe000u;  // round to 10 mantissa bits, ties to even
    return uintBitsToFloat(sign | r);
}

// Stores values [unit * KV_UNIT, (unit + 1) * KV_UNIT) of row pos.
void kv_store_unit(KvRegion r, uint pos, uint unit, float v[KV_UNIT]) {
    const uint e = pos * r.width + unit * KV_UNIT;
#if defined(KV_F32)
    kv_words[r.base + e] = floatBitsToUint(v[0]);
#elif defined(KV_F16)
    kv_words[r.base + e / 2u] = packHalf2x16(vec2(v[0], v[1]));
#else
    // ggml's quantize_row_q8_0_ref: d = amax / 127, q = round(x / d) half away from zero, d stored as fp16
    float amax = 0.0;
    for (uint j = 0u; j < 32u; ++j) amax = max(amax, abs(v[j]));
    const float d = amax / 127.0;
    const float id = d != 0.0 ? 1.0 / d : 0.0;
    for (uint w = 0u; w < 8u; ++w) {
        uint packed = 0u;
        for (uint b = 0u; b < 4u; ++b) {
            const float s = v[4u * w + b] * id;
            const int q = int(sign(s) * floor(abs(s) + 0.5));
            packed |= (uint(q) & 0xffu) << (8u * b);
        }
        kv_words[r.base + e / 4u + w] = packed;
    }
    kv_words[r.scale_base + e / 32u] = floatBitsToUint(fp16_round(d));
#endif
}
