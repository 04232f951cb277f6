// type_f16.glsl — IEEE binary16 weights, one element per unit. Requires weight_words.glsl.
const uint WEIGHT_QK = 1u;

void weight_dequant_unit(uint row_byte, uint unit, out float v[WEIGHT_QK]) {
    v[0] = unpackHalf2x16(weight_u16(row_byte + 2u * unit)).x;
}
