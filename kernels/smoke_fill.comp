// smoke_fill.comp — writes value + index into each element; used only by the runtime's own smoke test.
// Bindings: 0 = y (f32). Push constants: n, value.
#version 450
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(push_constant) uniform PC { uint n; float value; } pc;
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < pc.n) y[i] = pc.value + float(i);
}
