// type_f16.glsl — IEEE binary16 weights, one element per "block". Requires weight_words.glsl.
const uint WEIGHT_QK = 1u;
const uint WEIGHT_BLOCK_BYTES = 2u;

void weight_dequant(uint block_byte, out float v[WEIGHT_QK]) {
    v[0] = unpackHalf2x16(weight_u16(block_byte)).x;
}
