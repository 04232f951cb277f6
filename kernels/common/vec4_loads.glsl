// vec4_loads.glsl — spec constant 4 of the mat-vec kernels: wide (vec4 / uvec4) loads on GPUs, scalar loads
// on CPU devices (llvmpipe turns each load at per-lane addresses into a gather and runs vec4 ones ~7x slower).
// The host sets it (GpuKernels::vec4_activation_loads). Both paths load the same values; where the wide path
// also sums in another order (sum_sq.glsl, the f32x4 mat-vecs), results differ by rounding between devices.
#ifndef MOEVK_VEC4_LOADS_GLSL
#define MOEVK_VEC4_LOADS_GLSL
layout(constant_id = 4) const bool VEC4_ACTIVATION_LOADS = true;
#endif
