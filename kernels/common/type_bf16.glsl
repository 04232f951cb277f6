// type_bf16.glsl — bfloat16 weights: the high 16 bits of a float32. One element per "block".
// Requires weight_words.glsl.
const uint WEIGHT_QK = 1u;
const uint WEIGHT_BLOCK_BYTES = 2u;

void weight_dequant(uint block_byte, out float v[WEIGHT_QK]) {
    v[0] = uintBitsToFloat(weight_u16(block_byte) << 16);
}
