// smoke_spin.comp — busy work for a chosen number of iterations; used only by the runtime test that checks
// a submission past its timeout fails with kDevice instead of hanging. Bindings: 0 = y (f32).
#version 450
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) buffer Y { float y[]; };
layout(push_constant) uniform PC { uint iterations; } pc;
void main() {
    float v = float(gl_GlobalInvocationID.x);
    for (uint i = 0u; i < pc.iterations; ++i) v = sin(v) * 1.0001 + 0.5;  // not foldable
    y[gl_GlobalInvocationID.x] = v;
}
