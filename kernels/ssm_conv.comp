// ssm_conv.comp — GatedDeltaNet's causal depthwise conv1d + SiLU over a chunk of tokens, carrying the conv
// state across calls. One invocation per channel runs the chunk's tokens in order; the taps of a token are
// summed in tap order, so a token's result never depends on how the tokens were split into calls.
// The inputs a channel sees form one sequence: its d_conv - 1 state values (oldest first), then the
// chunk's tokens; token t reads positions t .. t + d_conv - 1 of it, and the last d_conv - 1 positions
// become the new state. Bindings: 0 = x (f32, [t][channels]), 1 = weight (f32, [channels][d_conv], tap
// d_conv-1 multiplies the newest input), 2 = state_in, 3 = state_out (f32, [channels][d_conv - 1]; may be
// the same memory: each invocation reads a state value before anyone writes it), 4 = out (f32,
// [t][channels]). CPU reference: reference::conv1d_silu_step() token after token.
#version 450
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer StateIn { float state_in[]; };
layout(std430, binding = 3) buffer StateOut { float state_out[]; };
layout(std430, binding = 4) writeonly buffer Out { float out_[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint channels;
    uint d_conv;
    uint x_offset;  // token t's row starts at x_offset + t * x_stride
    uint x_stride;
    uint out_offset;
    uint out_stride;
    uint state_offset;  // first float of the conv state in the state_in and state_out bindings
} pc;

// Position p of channel c's input sequence: the state below d_conv - 1, then the chunk's tokens.
float sequence_value(uint c, uint p) {
    const uint keep = pc.d_conv - 1u;
    if (p < keep) return state_in[pc.state_offset + c * keep + p];
    return x[pc.x_offset + (p - keep) * pc.x_stride + c];
}

void main() {
    const uint c = gl_GlobalInvocationID.x;
    if (c >= pc.channels) return;
    const uint keep = pc.d_conv - 1u;
    for (uint t = 0u; t < pc.n_tokens; ++t) {
        float acc = 0.0;
        for (uint k = 0u; k < pc.d_conv; ++k) acc += sequence_value(c, t + k) * w[c * pc.d_conv + k];
        out_[pc.out_offset + t * pc.out_stride + c] = acc / (1.0 + exp(-acc));
    }
    // In place, state value j is overwritten only after position j + n_tokens > j was read from it.
    for (uint j = 0u; j < keep; ++j) state_out[pc.state_offset + c * keep + j] = sequence_value(c, pc.n_tokens + j);
}
