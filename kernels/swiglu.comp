// swiglu.comp — the shared expert's activation: out[t][i] = silu(gate[t][i]) * up[t][i]. One invocation per
// (i, token): x = i < width, workgroup y = token. Bindings: 0 = gate (f32), 1 = up (f32), 2 = out (f32; may
// be gate's or up's rows: each value is read before it is written). CPU reference: reference::swiglu().
#version 450
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Gate { float gate[]; };
layout(std430, binding = 1) readonly buffer Up { float up[]; };
layout(std430, binding = 2) buffer Out { float out_[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint width;
    uint gate_offset;  // token t's row starts at gate_offset + t * gate_stride
    uint gate_stride;
    uint up_offset;
    uint up_stride;
    uint out_offset;
    uint out_stride;
} pc;

void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    if (i >= pc.width || t >= pc.n_tokens) return;
    const float g = gate[pc.gate_offset + t * pc.gate_stride + i];
    const float u = up[pc.up_offset + t * pc.up_stride + i];
    out_[pc.out_offset + t * pc.out_stride + i] = g / (1.0 + exp(-g)) * u;  // as moe_gate_up.comp
}
