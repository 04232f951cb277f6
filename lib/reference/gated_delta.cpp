// gated_delta.cpp — reference GatedDeltaNet recurrence: the conv1d state step, the one-token gated delta rule
// (decode) and its chunked form (prefill), as llama.cpp's delta-net-base.cpp computes them. Plain loops,
// float32 state between tokens/chunks, float64 inside.
#include <algorithm>
#include <cmath>
#include <vector>

#include "reference/ops.h"

namespace moevk::reference {

void conv1d_silu_step(const float *x, const float *w, float *state, float *out, size_t channels, size_t d_conv) {
    const size_t keep = d_conv - 1;  // inputs remembered per channel
    for (size_t c = 0; c < channels; ++c) {
        float *st = state + c * keep;
        const float *wc = w + c * d_conv;
        double acc = (double)x[c] * (double)wc[keep];
        for (size_t j = 0; j < keep; ++j) acc += (double)st[j] * (double)wc[j];
        out[c] = (float)(acc * sigmoid(acc));
        // shift: drop the oldest, append this input
        for (size_t j = 0; j + 1 < keep; ++j) st[j] = st[j + 1];
        if (keep > 0) st[keep - 1] = x[c];
    }
}

void gated_delta_step(float *S, const float *q, const float *k, const float *v, double g, double beta,
                      double scale, size_t d_k, size_t d_v, float *out) {
    const double decay = std::exp(g);
    for (size_t i = 0; i < d_k * d_v; ++i) S[i] = (float)((double)S[i] * decay);
    for (size_t j = 0; j < d_v; ++j) {
        double kv = 0.0;  // (S^T k)[j]: what the state already predicts for this key
        for (size_t i = 0; i < d_k; ++i) kv += (double)S[i * d_v + j] * (double)k[i];
        const double delta = beta * ((double)v[j] - kv);
        for (size_t i = 0; i < d_k; ++i) S[i * d_v + j] = (float)((double)S[i * d_v + j] + (double)k[i] * delta);
    }
    for (size_t j = 0; j < d_v; ++j) {
        double o = 0.0;
        for (size_t i = 0; i < d_k; ++i) o += (double)S[i * d_v + j] * (double)q[i];
        out[j] = (float)(o * scale);
    }
}

void gated_delta_chunked(float *S, const float *q, const float *k, const float *v, const double *g,
                         const double *beta, double scale, size_t n, size_t d_k, size_t d_v, size_t chunk,
                         float *out) {
    std::vector<double> S0(d_k * d_v);
    for (size_t t0 = 0; t0 < n; t0 += chunk) {
        const size_t C = std::min(chunk, n - t0);
        for (size_t i = 0; i < d_k * d_v; ++i) S0[i] = S[i];
        // G[t]: cumulative log-decay from the chunk start through token t
        std::vector<double> G(C);
        for (size_t t = 0; t < C; ++t) G[t] = (t ? G[t - 1] : 0.0) + g[t0 + t];
        auto dot_kk = [&](size_t a, size_t b, const float *x) {
            double s = 0.0;
            for (size_t i = 0; i < d_k; ++i) s += (double)k[(t0 + a) * d_k + i] * (double)x[(t0 + b) * d_k + i];
            return s;
        };
        // Unrolled, delta_t solves the unit lower-triangular system
        //   delta_t + beta_t sum_{s<t} e^{G_t - G_s} (k_t.k_s) delta_s = beta_t (v_t - e^{G_t} S0^T k_t),
        // solved by forward substitution (the chunked kernels' triangular solve).
        std::vector<double> delta(C * d_v);
        for (size_t t = 0; t < C; ++t) {
            for (size_t j = 0; j < d_v; ++j) {
                double s0k = 0.0;
                for (size_t i = 0; i < d_k; ++i) s0k += S0[i * d_v + j] * (double)k[(t0 + t) * d_k + i];
                double rhs = (double)v[(t0 + t) * d_v + j] - std::exp(G[t]) * s0k;
                for (size_t s = 0; s < t; ++s) rhs -= std::exp(G[t] - G[s]) * dot_kk(t, s, k) * delta[s * d_v + j];
                delta[t * d_v + j] = beta[t0 + t] * rhs;
            }
        }
        // o_t = e^{G_t} S0^T q_t + sum_{s<=t} e^{G_t - G_s} (k_s.q_t) delta_s
        for (size_t t = 0; t < C; ++t) {
            for (size_t j = 0; j < d_v; ++j) {
                double s0q = 0.0;
                for (size_t i = 0; i < d_k; ++i) s0q += S0[i * d_v + j] * (double)q[(t0 + t) * d_k + i];
                double o = std::exp(G[t]) * s0q;
                for (size_t s = 0; s <= t; ++s) o += std::exp(G[t] - G[s]) * dot_kk(s, t, q) * delta[s * d_v + j];
                out[(t0 + t) * d_v + j] = (float)(o * scale);
            }
        }
        // S_end = e^{G_last} S0 + sum_s e^{G_last - G_s} k_s delta_s^T
        const double G_last = G[C - 1];
        for (size_t i = 0; i < d_k; ++i) {
            for (size_t j = 0; j < d_v; ++j) {
                double acc = std::exp(G_last) * S0[i * d_v + j];
                for (size_t s = 0; s < C; ++s)
                    acc += std::exp(G_last - G[s]) * (double)k[(t0 + s) * d_k + i] * delta[s * d_v + j];
                S[i * d_v + j] = (float)acc;
            }
        }
    }
}

}  // namespace moevk::reference
