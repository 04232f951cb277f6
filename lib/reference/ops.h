// ops.h — CPU reference operators: the oracle every GPU kernel is checked against. Plain loops, float32
// storage, float64 accumulation; quantised weights are dequantised exactly (model/ggml_type.h) first.
// Each op here has a GPU twin in kernels/ with the same semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/ggml_type.h"

namespace moevk::reference {

// y[i] = x[i] / sqrt(mean(x^2) + eps) * w[i], for n elements, the mean in float64. (w may be nullptr:
// weight 1.) y may equal x (in place).
void rms_norm(const float *x, const float *w, float *y, size_t n, float eps);

// sum_i a[i] * b[i] accumulated in float64 (the reduction every reference op uses).
double dot_f64(const float *a, const float *b, size_t n);

// y = W x for a weight matrix stored as GGUF rows: W has n_rows rows of n_cols elements of `type`,
// row r at w + r * row_bytes. y has n_rows elements.
void matvec(model::GgmlType type, const void *w, size_t n_rows, size_t n_cols, const float *x, float *y);

// NeoX-style rotary embedding in place on one head of head_dim values at position pos: pairs
// (i, i + n_rot/2) for i < n_rot/2 rotate by pos * freq_base^(-2i/n_rot), angle, cos and sin in float64
// (llama.cpp's float recurrence for the angle is not imitated). Dims >= n_rot are left as is.
void rope_neox(float *head, size_t head_dim, size_t n_rot, int32_t pos, float freq_base);

// Causal attention of one query head over n_keys keys (positions 0..n_keys-1):
// out = softmax(q.k_j * scale) . v_j. k and v hold n_keys rows of head_dim_k / head_dim_v floats with
// row stride k_stride / v_stride (in floats). Scores, softmax and the sum are float64. n_keys == 0 gives zeros.
void attention_head(const float *q, const float *k, size_t k_stride, const float *v, size_t v_stride,
                    size_t n_keys, size_t head_dim_k, size_t head_dim_v, float scale, float *out);

// Router: softmax over n_expert logits, pick the k largest probabilities (ties: lower index first), and
// when norm_topk renormalise the chosen probabilities to sum to 1. Writes k ids and k weights, ids in
// order of decreasing probability. Requires k <= n_expert.
void route_topk(const float *logits, size_t n_expert, size_t k, bool norm_topk, int32_t *ids, float *weights);

// Softmax of the n_expert router logits in float64 (max-subtracted). route_topk ranks these.
void router_softmax(const float *logits, size_t n_expert, double *probs);

// Weights of a given set of k expert ids (e.g. the GPU's choice): their softmax probabilities, divided by
// their sum when norm_topk (the sum clamped below at 2^-14 like llama.cpp). route_topk ends with this call,
// so route_weights(ids of route_topk) reproduces route_topk's weights bit for bit.
void route_weights(const float *logits, size_t n_expert, const int32_t *ids, size_t k, bool norm_topk,
                   float *weights);

// silu(g) * u element-wise: out[i] = g[i] / (1 + exp(-g[i])) * u[i].
void swiglu(const float *g, const float *u, float *out, size_t n);

// ---- Hybrid (GatedDeltaNet) models, docs/hybrid-models.md ----

// 1 / (1 + exp(-x)) and log(1 + exp(x)) in float64 (softplus stable for large |x|).
double sigmoid(double x);
double softplus(double x);

// x[i] *= sigmoid(gate[i]): the gated attention output (and the shared expert's gate).
void sigmoid_gate(float *x, const float *gate, size_t n);

// Gated RMSNorm: y[i] = x[i] / sqrt(mean(x^2) + eps) * w[i] * silu(z[i]). y may equal x.
void rms_norm_gated(const float *x, const float *w, const float *z, float *y, size_t n, float eps);

// L2 normalisation as ggml_l2_norm: y = x / max(||x||, eps). y may equal x.
void l2_norm(const float *x, float *y, size_t n, float eps);

// One step of the causal depthwise conv1d with SiLU (ggml_ssm_conv + silu) over `channels` channels of
// d_conv taps: w[c * d_conv + k] (tap d_conv-1 multiplies the newest input); state holds the previous
// d_conv-1 inputs of each channel, oldest first, at state[c * (d_conv-1) + j]. Writes
// out[c] = silu(sum_j state[c][j] w[c][j] + x[c] w[c][d_conv-1]) and shifts x into the state.
void conv1d_silu_step(const float *x, const float *w, float *state, float *out, size_t channels, size_t d_conv);

// One token of the gated delta rule for one value head. S is d_k x d_v (S[i * d_v + j], key index i),
// updated in place: S = exp(g) S; kv = S^T k; delta = beta (v - kv); S += k delta^T; out = S^T (scale q).
// g is the log-decay (<= 0 in real models), beta in (0, 1).
void gated_delta_step(float *S, const float *q, const float *k, const float *v, double g, double beta,
                      double scale, size_t d_k, size_t d_v, float *out);

// The same recurrence over n tokens in the chunked (WY / UT-transform) form used for prefill: tokens in
// chunks of `chunk`; within a chunk the state's contribution and the intra-chunk triangular system are solved
// in float64, and the state is carried across chunks. q, k: n rows of d_k; v, out: n rows of d_v; g, beta:
// n values. Agrees with n calls of gated_delta_step up to rounding (tests/unit/reference_gdn_test.cpp).
void gated_delta_chunked(float *S, const float *q, const float *k, const float *v, const double *g,
                         const double *beta, double scale, size_t n, size_t d_k, size_t d_v, size_t chunk,
                         float *out);

}  // namespace moevk::reference
