// slice_dot.glsl — the GPU order of the mat-vec kernels: lane i of a row's subgroup takes the 8-element slices
// i, i + subgroup size, ... (a 32-element ggml block is split over 4 lanes) and the kernel adds the lanes'
// shares with subgroupAdd. Why: with one block per lane (row_dot.glsl) neighbouring lanes read activations
// 128 bytes apart, so each vec4 load instruction touched a cache line per lane; on the H100 those L1
// wavefronts, not DRAM, bounded the decode mat-vecs (~250 GB/s). With slices of 8, lanes are 32 bytes apart
// and gate and up rows share one activation load. The weights are dequantised to the same values as
// weight_dequant_unit(); only the summation order differs, so CPU devices (spec constant 4 off) keep the unit
// order and its bits (the golden snapshots).
// A format that supports it has WEIGHT_SLICES (weight_type.glsl) and weight_slice8(row_byte, e, lo, hi): values e .. e + 7.
// Requires vec4_loads.glsl, weight_type.glsl, GL_KHR_shader_subgroup_basic and `vec4 x_in4[]`.

// Whether a dispatch takes the slice order: GPU loads, a format with slices, whole slices per row and
// activation rows starting at vec4 boundaries (uniform over the dispatch).
bool use_slices(uint n_cols, uint x_offset, uint x_stride) {
    return VEC4_ACTIVATION_LOADS && WEIGHT_SLICES && (n_cols & 7u) == 0u && ((x_offset | x_stride) & 3u) == 0u;
}

// acc + the 8 products of a slice, in element order.
float slice_fma(float acc, vec4 lo, vec4 hi, vec4 a, vec4 b) {
    acc += lo.x * a.x;
    acc += lo.y * a.y;
    acc += lo.z * a.z;
    acc += lo.w * a.w;
    acc += hi.x * b.x;
    acc += hi.y * b.y;
    acc += hi.z * b.z;
    acc += hi.w * b.w;
    return acc;
}

// A lane loads SLICE_BATCH slices (e0, e0 + slice_step(), ...) before it sums any: decode mat-vecs have few
// rows per SM, so bytes in flight per lane, not instructions, set their speed. Slices at or past n_cols are
// read at the row's last slice (a valid address) and skipped when summed: the order is the one-slice order.
const uint SLICE_BATCH = 4u;
uint slice_step() { return 8u * gl_SubgroupSize; }

void load_slices(uint row_byte, uint e0, uint n_cols, out vec4 lo[SLICE_BATCH], out vec4 hi[SLICE_BATCH]) {
    for (uint s = 0u; s < SLICE_BATCH; ++s) weight_slice8(row_byte, min(e0 + s * slice_step(), n_cols - 8u), lo[s], hi[s]);
}

// acc + the products of the batch's slices with x[xb ..] (xb a multiple of 4), slice by slice.
float slices_fma(float acc, const vec4 lo[SLICE_BATCH], const vec4 hi[SLICE_BATCH], uint e0, uint n_cols, uint xb) {
    for (uint s = 0u; s < SLICE_BATCH; ++s) {
        const uint e = e0 + s * slice_step();
        const uint x4 = (xb + min(e, n_cols - 8u)) >> 2;
        const float sum = slice_fma(acc, lo[s], hi[s], x_in4[x4], x_in4[x4 + 1u]);
        acc = e < n_cols ? sum : acc;
    }
    return acc;
}

// This lane's share of W[row] · x[xb ..], in slice order (xb a multiple of 4).
float slice_dot_partial(uint row_byte, uint xb, uint n_cols) {
    float acc = 0.0;
    for (uint e0 = 8u * gl_SubgroupInvocationID; e0 < n_cols; e0 += SLICE_BATCH * slice_step()) {
        vec4 lo[SLICE_BATCH], hi[SLICE_BATCH];
        load_slices(row_byte, e0, n_cols, lo, hi);
        acc = slices_fma(acc, lo, hi, e0, n_cols, xb);
    }
    return acc;
}
