// block_dot.glsl — one weight unit (WEIGHT_QK dequantised values) times the activations at float index xb,
// summed in element order. Why the vec4 path: each lane of a mat-vec subgroup reads its own unit, 128 bytes
// apart, so every scalar load instruction touches a cache line per lane; vec4 loads need a quarter of the
// instructions. llvmpipe is the other way round (vec4 loads at per-lane addresses ~7x slower, and it runs
// both sides of a branch), so the host turns the path off there with spec constant 4. Same products, same
// order either way.
// Requires `float x_in[]` and, on the same binding, `vec4 x_in4[]` declared by the kernel.
#include "vec4_loads.glsl"

float block_dot(const float w[WEIGHT_QK], uint xb) {
    float s = 0.0;
    if (VEC4_ACTIVATION_LOADS && (WEIGHT_QK & 3u) == 0u && (xb & 3u) == 0u) {
        const uint xb4 = xb >> 2;
        for (uint j = 0u; j < WEIGHT_QK / 4u; ++j) {
            const vec4 xv = x_in4[xb4 + j];
            s += w[4u * j] * xv.x;
            s += w[4u * j + 1u] * xv.y;
            s += w[4u * j + 2u] * xv.z;
            s += w[4u * j + 3u] * xv.w;
        }
    } else {
        for (uint j = 0u; j < WEIGHT_QK; ++j) s += w[j] * x_in[xb + j];
    }
    return s;
}
