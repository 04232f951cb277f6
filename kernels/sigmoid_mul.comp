// sigmoid_mul.comp — the gated attention output: x[t][i] *= sigmoid(gate[t][i]), in place. One invocation per
// (i, token): x = i < width, workgroup y = token. Bindings: 0 = gate (f32), 1 = x (f32, read and written).
// CPU reference: reference::sigmoid_gate().
#version 450
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Gate { float gate[]; };
layout(std430, binding = 1) buffer X { float x[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint width;
    uint x_offset;  // token t's row starts at x_offset + t * x_stride
    uint x_stride;
    uint gate_offset;
    uint gate_stride;
} pc;

void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    if (i >= pc.width || t >= pc.n_tokens) return;
    const float g = gate[pc.gate_offset + t * pc.gate_stride + i];
    const uint xi = pc.x_offset + t * pc.x_stride + i;
    x[xi] = x[xi] / (1.0 + exp(-g));
}
