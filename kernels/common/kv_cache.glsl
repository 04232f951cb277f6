// kv_cache.glsl — element access to one layer's K/V cache, a buffer of uint words holding a K region and a
// V region. A region has rows of `width` values per position in the format of this variant (KV_F32,
// KV_F16 or KV_Q8_0):
//   f32:  word base + pos * width + i
//   f16:  two values per word (even width), word base + (pos * width + i) / 2, low half first
//   q8_0: int8 values, four per word, word base + (pos * width + i) / 4; the per-32-value scale d (a float
//         holding the fp16-rounded ggml scale) at word scale_base + (pos * width + i) / 32
// Requires: `uint kv_words[]` declared by the kernel before this include.

struct KvRegion {
    uint base;        // first word of the region
    uint width;       // values per position
    uint scale_base;  // q8_0 only: first word of the scales
};

#if defined(KV_F32)
const uint KV_UNIT = 1u;   // values written together by one invocation
#elif defined(KV_F16)
const uint KV_UNIT = 2u;
#elif defined(KV_Q8_0)
const uint KV_UNIT = 32u;
#else
#error "define one KV_<type>"
#endif

float kv_load(KvRegion r, uint pos, uint i) {
    const uint e = pos * r.width + i;
#if defined(KV_F32)
    return uintBitsToFloat(kv_words[r.base + e]);
#elif defined(KV_F16)
    return unpackHalf2x16(kv_words[r.base + e / 2u] >> (16u * (e & 1u))).x;
#else
    const int q = bitfieldExtract(int(kv_words[r.base + e / 4u]), int(8u * (e & 3u)), 8);
    return float(q) * uintBitsToFloat(kv_words[r.scale_base + e / 32u]);
#endif
}
