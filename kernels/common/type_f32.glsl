// type_f32.glsl — float32 weights, one element per unit. Rows start at multiples of 4 bytes.
const uint WEIGHT_QK = 1u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    v[0] = uintBitsToFloat(weight_words[(row_byte >> 2) + unit]);
}
