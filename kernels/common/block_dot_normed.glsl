// block_dot_normed.glsl — block_dot() over RMS-normed activations h = x * scale * norm_w, formed on the fly
// with rms_norm.comp's expression (the same h bits), so a mat-vec needs no norm pass of its own before it.
// c is the unit's first column (norm_w index). Same products and order as block_dot on a stored h.
// Requires block_dot.glsl, `float x_in[]` / `vec4 x_in4[]` and `float norm_w[]` / `vec4 norm_w4[]` declared
// by the kernel.

float block_dot_normed(const float w[WEIGHT_QK], uint xb, uint c, float scale) {
    float s = 0.0;
    if (VEC4_ACTIVATION_LOADS && (WEIGHT_QK & 3u) == 0u && (xb & 3u) == 0u && (c & 3u) == 0u) {
        const uint xb4 = xb >> 2, c4 = c >> 2;
        for (uint j = 0u; j < WEIGHT_QK / 4u; ++j) {
            const vec4 h = x_in4[xb4 + j] * scale * norm_w4[c4 + j];
            s += w[4u * j] * h.x;
            s += w[4u * j + 1u] * h.y;
            s += w[4u * j + 2u] * h.z;
            s += w[4u * j + 3u] * h.w;
        }
    } else {
        for (uint j = 0u; j < WEIGHT_QK; ++j) s += w[j] * (x_in[xb + j] * scale * norm_w[c + j]);
    }
    return s;
}
