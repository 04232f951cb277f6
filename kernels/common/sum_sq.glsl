// sum_sq.glsl — this invocation's share of sum(x[xb + c]^2) over c < n, for the RMS norms that rms_norm.comp
// and matmul_norm.comp must compute to the same bits (both take this function with the same spec constant).
// With wide loads (GPUs) and aligned rows: groups of 4 consecutive elements, group g taken by invocation
// g % workgroup size, one vec4 load each, summed in element order; a quarter of the dependent loads of the
// one-element stride (the prologue of every decode mat-vec with a folded norm). Otherwise (CPU devices:
// the bits of the golden snapshots' writer) element c goes to invocation c % workgroup size.
// Requires vec4_loads.glsl and `float x_in[]` / `vec4 x_in4[]` declared by the kernel.

float sum_sq_share(uint xb, uint n) {
    float s = 0.0;
    if (VEC4_ACTIVATION_LOADS && (xb & 3u) == 0u && (n & 3u) == 0u) {
        for (uint g = gl_LocalInvocationID.x; 4u * g < n; g += gl_WorkGroupSize.x) {
            const vec4 v = x_in4[(xb >> 2) + g];
            s += v.x * v.x;
            s += v.y * v.y;
            s += v.z * v.z;
            s += v.w * v.w;
        }
    } else {
        for (uint c = gl_LocalInvocationID.x; c < n; c += gl_WorkGroupSize.x) s += x_in[xb + c] * x_in[xb + c];
    }
    return s;
}
