// type_bf16.glsl — bfloat16 weights: the high 16 bits of a float32. One element per unit.
// Requires weight_words.glsl.
const uint WEIGHT_QK = 1u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    v[0] = uintBitsToFloat(weight_u16(row_byte + 2u * unit) << 16);
}
