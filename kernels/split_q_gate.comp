// split_q_gate.comp — gated attention's fused query rows: per head, head_dim query values then head_dim gate
// values. Copies the queries to q and the gates to gate, head after head. One invocation per (value, token):
// x = index i in [0, n_head * head_dim), workgroup y = token. Bindings: 0 = qg (f32), 1 = q (f32),
// 2 = gate (f32); q and gate may share a buffer (disjoint rows). CPU reference: the split in
// reference::Forward::gated_attention_block.
#version 450
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer QG { float qg[]; };
layout(std430, binding = 1) writeonly buffer Q { float q_out[]; };
layout(std430, binding = 2) writeonly buffer Gate { float gate_out[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_head;
    uint head_dim;
    uint qg_offset;  // token t's row starts at qg_offset + t * qg_stride
    uint qg_stride;
    uint q_offset;
    uint q_stride;
    uint gate_offset;
    uint gate_stride;
} pc;

void main() {
    const uint i = gl_GlobalInvocationID.x;
    const uint t = gl_WorkGroupID.y;
    if (i >= pc.n_head * pc.head_dim || t >= pc.n_tokens) return;
    const uint head = i / pc.head_dim, d = i % pc.head_dim;
    const uint src = pc.qg_offset + t * pc.qg_stride + head * 2u * pc.head_dim + d;
    q_out[pc.q_offset + t * pc.q_stride + i] = qg[src];
    gate_out[pc.gate_offset + t * pc.gate_stride + i] = qg[src + pc.head_dim];
}
