// row_dot.glsl — this invocation's share of one weight row times one activation vector, for kernels that
// give each row to one subgroup: units lane, lane + subgroup size, ... in that order. The kernel adds the
// shares with subgroupAdd, so every output has a fixed summation order and no barrier is needed.
// Requires weight_type.glsl, block_dot.glsl, GL_KHR_shader_subgroup_basic and `float x_in[]` / `vec4 x_in4[]`
// declared by the kernel.

float row_dot_partial(uint row_byte, uint x_base, uint n_units) {
    float acc = 0.0;
    for (uint u = gl_SubgroupInvocationID; u < n_units; u += gl_SubgroupSize) {
        float w[WEIGHT_QK];
        weight_dequant_unit(row_byte, u, w);
        acc += block_dot(w, x_base + u * WEIGHT_QK);
    }
    return acc;
}
