// vec4_loads.glsl — spec constant 4 of the mat-vec kernels: wide (vec4 / uvec4) loads on GPUs, scalar loads
// on CPU devices (llvmpipe turns each load at per-lane addresses into a gather and runs vec4 ones ~7x slower).
// The host sets it (GpuKernels::vec4_activation_loads); both paths load the same values, so results never
// depend on it unless a kernel's summation order does (none does).
#ifndef MOEVK_VEC4_LOADS_GLSL
#define MOEVK_VEC4_LOADS_GLSL
layout(constant_id = 4) const bool VEC4_ACTIVATION_LOADS = true;
#endif
