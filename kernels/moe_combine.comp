// moe_combine.comp — the residual add of the MoE block: x[t][r] += sum_j w[t][j] * out[t * k + j][r], summed
// over j in order (`precise`: no fused multiply-add, the same bits as moe_down_combine.comp). One invocation
// per (r, t). Bindings: 0 = expert outputs (f32, [pair][n_embd]),
// 1 = weights (f32, [t][k]), 2 = x (f32, [t][n_embd], in place).
// CPU reference: the weighted sum in reference::Forward's moe_block.
#version 450
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer ExpertOut { float expert_out[]; };
layout(std430, binding = 1) readonly buffer Weights { float weights[]; };
layout(std430, binding = 2) buffer X { float x[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint k;
    uint n_embd;
} pc;

void main() {
    const uint r = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    if (r >= pc.n_embd || t >= pc.n_tokens) return;
    precise float acc = 0.0;
    for (uint j = 0u; j < pc.k; ++j) acc += weights[t * pc.k + j] * expert_out[(t * pc.k + j) * pc.n_embd + r];
    x[t * pc.n_embd + r] += acc;
}
