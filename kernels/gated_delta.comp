// gated_delta.comp — the GatedDeltaNet core of one layer over a chunk of tokens (the token loop is inside:
// one dispatch per layer and chunk, prefill included). One workgroup per value head vh, one invocation per
// value column j (workgroup size = head_dim, a multiple of 4): the invocation keeps column j of the head's
// state S[i][j] (i = key index) in a private array of vec4s for the whole chunk. Per token:
//   q, k of the key head kh into shared memory, L2-normalised: x / max(||x||, eps);
//   beta = sigmoid(b), g = softplus(a + dt_bias[vh]) * ssm_a[vh];
//   S = exp(g) S; kv_j = sum_i S_ij k_i; delta_j = beta (v_j - kv_j); S_ij += k_i delta_j;
//   o_j = scale * sum_i S_ij q_i (scale = 1/sqrt(head_dim));
//   out_j = o_j / sqrt(mean_j(o^2) + eps) * norm_weight[j] * silu(z_j).
// Sums over i keep four partial sums (i mod 4) added in a fixed order, workgroup sums use common/reduce.glsl:
// a token's result depends only on the state and its own inputs, so splitting the tokens into calls changes
// no bit.
// Bindings: 0 = conv (f32, [t][q heads | k heads | v heads]), 1 = ba (f32, [t][2 * n_v_heads], beta/alpha
// grouped by ba_group), 2 = z (f32, [t][value_dim]), 3 = dt_bias (f32, [n_v_heads]), 4 = ssm_a (f32,
// [n_v_heads]), 5 = norm_weight (f32, [head_dim]), 6 = state_in, 7 = state_out (f32,
// [n_v_heads][head_dim][head_dim]; may be the same memory: each invocation reads its column before writing
// it), 8 = out (f32, [t][value_dim]; may be z's rows). CPU reference: reference::l2_norm, sigmoid, softplus,
// gated_delta_step and rms_norm_gated as forward_hybrid.cpp's delta_net_block calls them.
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Conv { float conv[]; };
layout(std430, binding = 1) readonly buffer BA { float ba[]; };
layout(std430, binding = 2) readonly buffer Z { float z[]; };
layout(std430, binding = 3) readonly buffer DtBias { float dt_bias[]; };
layout(std430, binding = 4) readonly buffer SsmA { float ssm_a[]; };
layout(std430, binding = 5) readonly buffer NormWeight { float norm_weight[]; };
layout(std430, binding = 6) readonly buffer StateIn { float state_in[]; };
layout(std430, binding = 7) buffer StateOut { float state_out[]; };
layout(std430, binding = 8) buffer Out { float out_[]; };

layout(push_constant) uniform PushConstants {
    uint n_tokens;
    uint n_k_heads;
    uint n_v_heads;
    uint ba_group;            // beta of vh at (vh / ba_group) * 2 * ba_group + vh % ba_group, alpha ba_group later
    uint k_head_interleaved;  // key head of vh: vh % n_k_heads if 1, vh / (n_v_heads / n_k_heads) if 0
    uint conv_offset;         // token t's row starts at conv_offset + t * conv_stride
    uint conv_stride;
    uint ba_offset;
    uint ba_stride;
    uint z_offset;
    uint z_stride;
    uint out_offset;
    uint out_stride;
    uint state_offset;  // first float of the layer's state in the state_in and state_out bindings
    float eps;
} pc;

const uint HEAD_DIM = gl_WorkGroupSize.x;

const uint REDUCE_VALUES = 3u;  // sums of q^2, k^2 (one round), o^2 (the next)
#include "common/reduce.glsl"

// q and k as vec4s, four key indices per step: a quarter of the loop steps and of the private array's
// dynamic indexing, which lavapipe does through memory. (Forcing a full unroll to keep the array in
// registers cost lavapipe 16 s to compile at head_dim 256.)
shared vec4 q_sh[HEAD_DIM / 4u];
shared vec4 k_sh[HEAD_DIM / 4u];

float sigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }

// log(1 + e^x) without overflow for large x
float softplus(float x) { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }

void main() {
    const uint vh = gl_WorkGroupID.x;
    const uint j = gl_LocalInvocationID.x;
    const uint kh = pc.k_head_interleaved != 0u ? vh % pc.n_k_heads : vh / (pc.n_v_heads / pc.n_k_heads);
    const uint key_dim = pc.n_k_heads * HEAD_DIM;
    const uint q_col = kh * HEAD_DIM + j, k_col = key_dim + q_col, v_col = 2u * key_dim + vh * HEAD_DIM + j;
    const uint beta_col = (vh / pc.ba_group) * 2u * pc.ba_group + vh % pc.ba_group;
    const float scale = 1.0 / sqrt(float(HEAD_DIM));
    const float a_decay = ssm_a[vh], bias = dt_bias[vh], w_norm = norm_weight[j];
    const uint s_base = pc.state_offset + vh * HEAD_DIM * HEAD_DIM + j;  // S[i][j] at s_base + i * HEAD_DIM

    vec4 s[HEAD_DIM / 4u];  // s[i4][c] = S[4 i4 + c][j]
    for (uint i4 = 0u; i4 < HEAD_DIM / 4u; ++i4)
        for (uint c = 0u; c < 4u; ++c) s[i4][c] = state_in[s_base + (4u * i4 + c) * HEAD_DIM];

    for (uint t = 0u; t < pc.n_tokens; ++t) {
        // the token's inputs all at once (their memory latencies overlap), the gates while others catch up
        const uint row = pc.conv_offset + t * pc.conv_stride, ba_row = pc.ba_offset + t * pc.ba_stride;
        const float qj = conv[row + q_col], kj = conv[row + k_col], vj = conv[row + v_col];
        const float b = ba[ba_row + beta_col], a = ba[ba_row + beta_col + pc.ba_group];
        const float zj = z[pc.z_offset + t * pc.z_stride + vh * HEAD_DIM + j];
        const float beta = sigmoid(b);
        const float decay = exp(softplus(a + bias) * a_decay);
        red_put_sum(0u, qj * qj);
        red_put_sum(1u, kj * kj);
        barrier();
        q_sh[j / 4u][j % 4u] = qj / max(sqrt(red_sum(0u)), pc.eps);
        k_sh[j / 4u][j % 4u] = kj / max(sqrt(red_sum(1u)), pc.eps);
        barrier();

        vec4 kv4 = vec4(0.0);
        for (uint i4 = 0u; i4 < HEAD_DIM / 4u; ++i4) {
            s[i4] *= decay;
            kv4 += s[i4] * k_sh[i4];
        }
        const float delta = beta * (vj - ((kv4.x + kv4.y) + (kv4.z + kv4.w)));
        vec4 o4 = vec4(0.0);
        for (uint i4 = 0u; i4 < HEAD_DIM / 4u; ++i4) {
            s[i4] += k_sh[i4] * delta;
            o4 += s[i4] * q_sh[i4];
        }
        const float o = ((o4.x + o4.y) + (o4.z + o4.w)) * scale;

        // gated RMSNorm over the head's outputs
        red_put_sum(2u, o * o);
        barrier();
        const float inv_rms = 1.0 / sqrt(red_sum(2u) / float(HEAD_DIM) + pc.eps);
        out_[pc.out_offset + t * pc.out_stride + vh * HEAD_DIM + j] = o * inv_rms * w_norm * (zj * sigmoid(zj));
    }

    for (uint i4 = 0u; i4 < HEAD_DIM / 4u; ++i4)
        for (uint c = 0u; c < 4u; ++c) state_out[s_base + (4u * i4 + c) * HEAD_DIM] = s[i4][c];
}
