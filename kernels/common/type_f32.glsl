// type_f32.glsl — float32 weights, one element per "block". Rows start at multiples of 4 bytes.
const uint WEIGHT_QK = 1u;
const uint WEIGHT_BLOCK_BYTES = 4u;

void weight_dequant(uint block_byte, out float v[WEIGHT_QK]) {
    v[0] = uintBitsToFloat(weight_words[block_byte >> 2]);
}
