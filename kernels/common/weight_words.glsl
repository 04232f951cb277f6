// weight_words.glsl — little-endian reads from a weight matrix bound as uint words. ggml blocks are 18, 34
// or 210 bytes, so a block (and a row of f16/bf16) may start at any even byte: these helpers read 8-, 16- and
// 32-bit values at such offsets without 8- or 16-bit storage support.
// Requires: a buffer array `uint weight_words[]` declared by the kernel before this include.

// Byte at any offset.
uint weight_u8(uint byte_off) {
    return (weight_words[byte_off >> 2] >> (8u * (byte_off & 3u))) & 0xffu;
}

// 16-bit value at an even byte offset.
uint weight_u16(uint byte_off) {
    uint w = weight_words[byte_off >> 2];
    return (byte_off & 2u) != 0u ? (w >> 16) : (w & 0xffffu);
}

// The 32 bits at an even byte offset, from the word holding its first byte and the word after: loops over
// a run of words load each word once and join halves without a branch (llvmpipe runs both sides of a
// branch, and each of its loads at per-lane addresses is a gather).
uint weight_join(uint word, uint next_word, bool odd_half) {
    return odd_half ? (word >> 16) | (next_word << 16) : word;
}

// Word i, or the last word of the buffer when i is past it: the "next" word of a run that ends at the end
// of the buffer is only used when the run is not word-aligned, and then it is inside the buffer.
uint weight_word_clamped(uint i) { return weight_words[min(i, uint(weight_words.length()) - 1u)]; }

// The 8 bytes from byte q on (q even) as two words, bytes q .. q + 3 and q + 4 .. q + 7 (the slices of
// slice_dot.glsl). The third word is clamped: a slice at the buffer's end never reads past it.
uvec2 weight_bytes8(uint q) {
    const bool odd = (q & 2u) != 0u;
    const uint w0 = weight_words[q >> 2], w1 = weight_words[(q >> 2) + 1u];
    const uint w2 = weight_word_clamped((q >> 2) + 2u);
    return uvec2(weight_join(w0, w1, odd), weight_join(w1, w2, odd));
}

// 32-bit value at an even byte offset (straddles two words when the offset is 2 mod 4).
uint weight_u32(uint byte_off) {
    uint i = byte_off >> 2;
    if ((byte_off & 2u) == 0u) return weight_words[i];
    return (weight_words[i] >> 16) | (weight_words[i + 1u] << 16);
}
