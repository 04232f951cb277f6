// row_dot.glsl — this invocation's share of one weight row times one activation vector, for kernels that
// give each row to one subgroup: blocks lane, lane + subgroup size, ... in that order. The kernel adds the
// shares with subgroupAdd, so every output has a fixed summation order and no barrier is needed.
// Requires weight_type.glsl, block_dot.glsl, GL_KHR_shader_subgroup_basic and `float x_in[]` / `vec4 x_in4[]`
// declared by the kernel.

float row_dot_partial(uint row_byte, uint x_base, uint n_blocks) {
    float acc = 0.0;
    for (uint b = gl_SubgroupInvocationID; b < n_blocks; b += gl_SubgroupSize) {
        float w[WEIGHT_QK];
        weight_dequant(row_byte + b * WEIGHT_BLOCK_BYTES, w);
        acc += block_dot(w, x_base + b * WEIGHT_QK);
    }
    return acc;
}
