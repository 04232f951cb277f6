// row_dot.glsl — this invocation's share of one weight row times one activation vector: blocks lane,
// lane + WG, ... in that order (a fixed summation order; the kernel adds the shares with reduce.glsl).
// Requires weight_type.glsl and `float x_in[]` declared by the kernel.

float row_dot_partial(uint row_byte, uint x_base, uint n_blocks) {
    float acc = 0.0;
    for (uint b = gl_LocalInvocationID.x; b < n_blocks; b += gl_WorkGroupSize.x) {
        float w[WEIGHT_QK];
        weight_dequant(row_byte + b * WEIGHT_BLOCK_BYTES, w);
        float s = 0.0;
        for (uint j = 0u; j < WEIGHT_QK; ++j) s += w[j] * x_in[x_base + b * WEIGHT_QK + j];
        acc += s;
    }
    return acc;
}
