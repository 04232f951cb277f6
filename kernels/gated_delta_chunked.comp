// gated_delta_chunked.comp — the GatedDeltaNet recurrence of one layer over a prompt chunk, chunked: the
// tokens go in sub-chunks of CHUNK, the work inside a sub-chunk is parallel and only the state passes from
// one sub-chunk to the next. A workgroup per (value head vh, block of BLOCK_V value columns): the columns of
// a head's state are independent, so a head's state S[i][j] (i = key index) is split over head_dim / BLOCK_V
// workgroups, each keeping its slice in shared memory. Per sub-chunk of n tokens (G_t = cumulative log
// decay from the sub-chunk start, S0 = the state before it), with q, k L2-normalised (x / max(||x||, eps)):
//   L[t][s] = beta_t e^{G_t - G_s} k_t.k_s (s < t),   M[t][s] = e^{G_t - G_s} q_t.k_s (s <= t);
//   delta = (I + L)^-1 (beta (v - e^G K S0))          (forward substitution, a column per invocation);
//   o = scale (e^G Q S0 + M delta);   S = e^{G_n} S0 + sum_s e^{G_n - G_s} k_s delta_s^T.
// Padding rows past a ragged tail have q = k = v = 0, beta = 0, g = 0: they add nothing. The outputs are
// written before the gated RMSNorm, which needs a head's whole row: gated_delta_norm.comp follows.
// Sums keep a fixed order in every invocation, so results do not depend on the device's subgroup size; they
// do depend on where the sub-chunks start, i.e. on how a prompt is split into calls.
// Bindings: 0 = conv (f32, [t][q heads | k heads | v heads]), 1 = ba (f32, [t][2 * n_v_heads], beta/alpha
// grouped by ba_group), 2 = dt_bias, 3 = ssm_a (f32, [n_v_heads]), 4 = state_in, 5 = state_out (f32,
// [n_v_heads][head_dim][head_dim]; may be the same memory: a workgroup reads its slice before writing it),
// 6 = out (f32, [t][value_dim], the outputs before the norm). CPU reference: reference::gated_delta_chunked
// (the same algorithm) and gated_delta_step token after token.
#version 450
layout(local_size_x_id = 0) in;
layout(constant_id = 2) const uint HEAD_DIM = 128;  // key and value head size, a multiple of 4
layout(constant_id = 3) const uint CHUNK = 16;      // tokens per sub-chunk, <= workgroup size / 2
layout(constant_id = 4) const uint BLOCK_V = 32;    // value columns per workgroup, <= workgroup size

layout(std430, binding = 0) readonly buffer Conv { float conv[]; };
layout(std430, binding = 1) readonly buffer BA { float ba[]; };
layout(std430, binding = 2) readonly buffer DtBias { float dt_bias[]; };
layout(std430, binding = 3) readonly buffer SsmA { float ssm_a[]; };
layout(std430, binding = 4) readonly buffer StateIn { float state_in[]; };
layout(std430, binding = 5) buffer StateOut { float state_out[]; };
layout(std430, binding = 6) writeonly buffer Out { float out_[]; };

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
    uint out_offset;
    uint out_stride;
    uint state_offset;  // first float of the layer's state in the state_in and state_out bindings
    float eps;
} pc;

const uint WG = gl_WorkGroupSize.x;
const uint DK4 = HEAD_DIM / 4u;

shared vec4 q_sh[CHUNK * DK4];  // [t][i / 4]: the sub-chunk's queries, then L2-normalised
shared vec4 k_sh[CHUNK * DK4];  // keys, the same
shared float s_sh[HEAD_DIM * BLOCK_V];  // [i][jl]: the workgroup's slice of the state
shared float l_sh[CHUNK * CHUNK];       // [t][s]: L above (beta included), zero on and above the diagonal
shared float m_sh[CHUNK * CHUNK];       // [t][s]: M above, zero above the diagonal
shared float qs_sh[CHUNK * BLOCK_V];    // [t][jl]: (Q S0)
shared float d_sh[CHUNK * BLOCK_V];     // [t][jl]: the right-hand side, then delta
shared float g_sh[CHUNK];               // g_t, then G_t
shared float beta_sh[CHUNK];
shared float inv_q_sh[CHUNK], inv_k_sh[CHUNK];  // 1 / max(||x||, eps) of each row
shared float eg_sh[CHUNK], eg_last_sh[CHUNK];   // e^{G_t}, e^{G_n - G_t}

float sigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }

// log(1 + e^x) without overflow for large x
float softplus(float x) { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }

float dot_rows(uint a, uint b, bool a_is_q) {
    vec4 acc = vec4(0.0);
    for (uint i4 = 0u; i4 < DK4; ++i4) acc += (a_is_q ? q_sh[a * DK4 + i4] : k_sh[a * DK4 + i4]) * k_sh[b * DK4 + i4];
    return (acc.x + acc.y) + (acc.z + acc.w);
}

void main() {
    const uint vh = gl_WorkGroupID.x, j0 = gl_WorkGroupID.y * BLOCK_V;
    const uint lid = gl_LocalInvocationID.x;
    const uint kh = pc.k_head_interleaved != 0u ? vh % pc.n_k_heads : vh / (pc.n_v_heads / pc.n_k_heads);
    const uint key_dim = pc.n_k_heads * HEAD_DIM;
    const uint q_col = kh * HEAD_DIM, k_col = key_dim + q_col, v_col = 2u * key_dim + vh * HEAD_DIM + j0;
    const uint beta_col = (vh / pc.ba_group) * 2u * pc.ba_group + vh % pc.ba_group;
    const uint n_cols = min(BLOCK_V, HEAD_DIM - j0);  // the last block of a head may be partial
    const float scale = 1.0 / sqrt(float(HEAD_DIM));
    const uint s_base = pc.state_offset + vh * HEAD_DIM * HEAD_DIM + j0;  // S[i][j0 + jl] at s_base + i * HEAD_DIM + jl

    for (uint idx = lid; idx < HEAD_DIM * BLOCK_V; idx += WG) {
        const uint i = idx / BLOCK_V, jl = idx % BLOCK_V;
        s_sh[idx] = jl < n_cols ? state_in[s_base + i * HEAD_DIM + jl] : 0.0;
    }

    for (uint t0 = 0u; t0 < pc.n_tokens; t0 += CHUNK) {
        const uint n = min(CHUNK, pc.n_tokens - t0);

        // 1. the sub-chunk's q and k rows and gates
        for (uint idx = lid; idx < CHUNK * HEAD_DIM; idx += WG) {
            const uint t = idx / HEAD_DIM, i = idx % HEAD_DIM;
            const uint row = pc.conv_offset + (t0 + t) * pc.conv_stride;
            q_sh[t * DK4 + i / 4u][i % 4u] = t < n ? conv[row + q_col + i] : 0.0;
            k_sh[t * DK4 + i / 4u][i % 4u] = t < n ? conv[row + k_col + i] : 0.0;
        }
        if (lid < CHUNK) {
            const uint t = lid, ba_row = pc.ba_offset + (t0 + t) * pc.ba_stride;
            beta_sh[t] = t < n ? sigmoid(ba[ba_row + beta_col]) : 0.0;
            g_sh[t] = t < n ? softplus(ba[ba_row + beta_col + pc.ba_group] + dt_bias[vh]) * ssm_a[vh] : 0.0;
        }
        barrier();

        // 2. row norms; the cumulative decays (one invocation: CHUNK steps)
        if (lid < 2u * CHUNK) {
            const uint t = lid % CHUNK;
            const bool is_q = lid < CHUNK;
            vec4 acc = vec4(0.0);
            for (uint i4 = 0u; i4 < DK4; ++i4) {
                const vec4 x = is_q ? q_sh[t * DK4 + i4] : k_sh[t * DK4 + i4];
                acc += x * x;
            }
            const float inv = 1.0 / max(sqrt((acc.x + acc.y) + (acc.z + acc.w)), pc.eps);
            if (is_q) inv_q_sh[t] = inv;
            else inv_k_sh[t] = inv;
        } else if (lid == 2u * CHUNK) {
            float G = 0.0;
            for (uint t = 0u; t < CHUNK; ++t) {
                G += g_sh[t];
                g_sh[t] = G;
            }
            for (uint t = 0u; t < CHUNK; ++t) {
                eg_sh[t] = exp(g_sh[t]);
                eg_last_sh[t] = exp(G - g_sh[t]);  // padding rows have g = 0: G is G_n
            }
        }
        barrier();
        for (uint idx = lid; idx < CHUNK * DK4; idx += WG) {
            q_sh[idx] *= inv_q_sh[idx / DK4];
            k_sh[idx] *= inv_k_sh[idx / DK4];
        }
        barrier();

        // 3. the within-chunk products L and M, (Q S0), and the right-hand side beta (v - e^G K S0)
        for (uint idx = lid; idx < CHUNK * CHUNK; idx += WG) {
            const uint t = idx / CHUNK, s = idx % CHUNK;
            float l = 0.0, m = 0.0;
            if (s <= t) {
                const float decay = exp(g_sh[t] - g_sh[s]);
                m = decay * dot_rows(t, s, true);
                if (s < t) l = beta_sh[t] * decay * dot_rows(t, s, false);
            }
            l_sh[idx] = l;
            m_sh[idx] = m;
        }
        for (uint idx = lid; idx < CHUNK * BLOCK_V; idx += WG) {
            const uint t = idx / BLOCK_V, jl = idx % BLOCK_V;
            float qs = 0.0, ks = 0.0;
            for (uint i4 = 0u; i4 < DK4; ++i4) {
                const vec4 s4 = vec4(s_sh[(4u * i4) * BLOCK_V + jl], s_sh[(4u * i4 + 1u) * BLOCK_V + jl],
                                     s_sh[(4u * i4 + 2u) * BLOCK_V + jl], s_sh[(4u * i4 + 3u) * BLOCK_V + jl]);
                qs += dot(q_sh[t * DK4 + i4], s4);
                ks += dot(k_sh[t * DK4 + i4], s4);
            }
            const float v = t < n && jl < n_cols ? conv[pc.conv_offset + (t0 + t) * pc.conv_stride + v_col + jl] : 0.0;
            qs_sh[idx] = qs;
            d_sh[idx] = beta_sh[t] * (v - eg_sh[t] * ks);
        }
        barrier();

        // 4. triangular solve (I + L) delta = rhs, forward substitution down each column
        if (lid < BLOCK_V) {
            for (uint t = 1u; t < n; ++t) {
                float r = d_sh[t * BLOCK_V + lid];
                for (uint s = 0u; s < t; ++s) r -= l_sh[t * CHUNK + s] * d_sh[s * BLOCK_V + lid];
                d_sh[t * BLOCK_V + lid] = r;
            }
        }
        barrier();

        // 5. outputs (inter-chunk e^G Q S0 plus intra-chunk M delta) and the state after the sub-chunk
        for (uint idx = lid; idx < CHUNK * BLOCK_V; idx += WG) {
            const uint t = idx / BLOCK_V, jl = idx % BLOCK_V;
            if (t >= n || jl >= n_cols) continue;
            float o = eg_sh[t] * qs_sh[idx];
            for (uint s = 0u; s <= t; ++s) o += m_sh[t * CHUNK + s] * d_sh[s * BLOCK_V + jl];
            out_[pc.out_offset + (t0 + t) * pc.out_stride + vh * HEAD_DIM + j0 + jl] = o * scale;
        }
        for (uint idx = lid; idx < HEAD_DIM * BLOCK_V; idx += WG) {
            const uint i = idx / BLOCK_V, jl = idx % BLOCK_V;
            float acc = s_sh[idx] * eg_sh[CHUNK - 1u];  // e^{G_n} S0 (padding keeps G_{CHUNK-1} = G_n)
            for (uint s = 0u; s < n; ++s) acc += eg_last_sh[s] * k_sh[s * DK4 + i / 4u][i % 4u] * d_sh[s * BLOCK_V + jl];
            s_sh[idx] = acc;
        }
        barrier();
    }

    for (uint idx = lid; idx < HEAD_DIM * BLOCK_V; idx += WG) {
        const uint i = idx / BLOCK_V, jl = idx % BLOCK_V;
        if (jl < n_cols) state_out[s_base + i * HEAD_DIM + jl] = s_sh[idx];
    }
}
