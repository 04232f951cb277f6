// gated_add.comp — the shared expert's output added to the residual: x[t][i] += sigmoid(logit[t]) * y[t][i].
// One invocation per (i, token): x = i < width, workgroup y = token. Bindings: 0 = y (f32), 1 = logit (f32,
// one per token), 2 = x (f32, read and written). CPU reference: the shared expert's gate in
// reference::Forward::shared_expert (reference::sigmoid).
#version 450
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer Logit { float logit[]; };
layout(std430, binding = 2) buffer X { float x[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint width;
    uint x_offset;  // token t's row starts at x_offset + t * x_stride
    uint x_stride;
    uint y_offset;
    uint y_stride;
    uint logit_offset;  // token t's logit is at logit_offset + t * logit_stride
    uint logit_stride;
} pc;

void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    if (i >= pc.width || t >= pc.n_tokens) return;
    const float w = 1.0 / (1.0 + exp(-logit[pc.logit_offset + t * pc.logit_stride]));
    const uint xi = pc.x_offset + t * pc.x_stride + i;
    x[xi] += w * y[pc.y_offset + t * pc.y_stride + i];
}
