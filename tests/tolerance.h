// tolerance.h — the comparison tiers of DESIGN.md section 7, fixed from the numerics before measuring.
// A test names a tier; it never writes a bare number. Never loosen a tier to make a test pass.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace moevk::test {

// float32 element-wise ops: |a - r| <= kElemAbs + kElemRel * |r|.
constexpr double kElemAbs = 1e-6;
constexpr double kElemRel = 1e-5;
// Reductions and mat-vecs: NMSE = sum((a-r)^2) / sum(r^2).
constexpr double kNmseF32Weights = 1e-9;    // float32 weights
constexpr double kNmseQuantWeights = 1e-6;  // F16/BF16/quantised weights, dequantised exactly in the reference
constexpr double kNmseF16Activations = 1e-5;// F16 activations or KV cache
// Whole model, every position.
constexpr double kWholeModelCosine = 0.9999;
constexpr double kArgmaxTieGap = 1e-4;      // argmax may differ only when the reference's top-2 are this close
// Routing: GPU and reference may choose different experts only when the reference's router probabilities
// at the top-k boundary (k-th vs (k+1)-th) are closer than this. Float32 GPU activations with an F16 KV cache
// carry relative errors around 1e-3 into the router logits; probabilities near 1/n_expert then move by ~1e-4.
constexpr double kRoutingTieGap = 1e-3;

inline double nmse(const float *a, const float *r, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        double d = (double)a[i] - (double)r[i];
        num += d * d;
        den += (double)r[i] * (double)r[i];
    }
    return den == 0 ? (num == 0 ? 0 : INFINITY) : num / den;
}

inline double cosine(const float *a, const float *r, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; ++i) {
        ab += (double)a[i] * r[i];
        aa += (double)a[i] * a[i];
        bb += (double)r[i] * r[i];
    }
    if (aa == 0 && bb == 0) return 1.0;
    return ab / std::sqrt(aa * bb);
}

// Index of the first elementwise-tier violation, or n. Prints the first few mismatches (llm.c style).
inline size_t first_elementwise_mismatch(const float *a, const float *r, size_t n, int max_print = 5) {
    size_t first = n;
    int printed = 0;
    for (size_t i = 0; i < n; ++i) {
        double diff = std::fabs((double)a[i] - (double)r[i]);
        if (!(diff <= kElemAbs + kElemRel * std::fabs((double)r[i]))) {
            if (first == n) first = i;
            if (printed++ < max_print)
                std::fprintf(stderr, "  mismatch at %zu: reference %.9g gpu %.9g\n", i, (double)r[i], (double)a[i]);
        }
    }
    return first;
}

inline size_t argmax(const float *x, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; ++i)
        if (x[i] > x[best]) best = i;
    return best;
}

// Whole-model tier for one position's logits: cosine >= kWholeModelCosine, and the argmax equal unless the
// reference's top-2 are within kArgmaxTieGap. Returns "" when it holds, else a description.
inline std::string whole_model_check(const float *a, const float *r, size_t n) {
    double c = cosine(a, r, n);
    size_t am = argmax(a, n), rm = argmax(r, n);
    if (!(c >= kWholeModelCosine)) return "cosine " + std::to_string(c);
    if (am != rm) {
        double second = -INFINITY;
        for (size_t i = 0; i < n; ++i)
            if (i != rm && r[i] > second) second = r[i];
        if ((double)r[rm] - second > kArgmaxTieGap)
            return "argmax gpu " + std::to_string(am) + " reference " + std::to_string(rm);
    }
    return "";
}

// The whole-model tier at each of n_pos positions of n_vocab logits: "" when it holds at all, else the first
// failing position and why.
inline std::string whole_model_check_rows(const float *a, const float *r, size_t n_pos, size_t n_vocab) {
    for (size_t p = 0; p < n_pos; ++p) {
        std::string why = whole_model_check(a + p * n_vocab, r + p * n_vocab, n_vocab);
        if (!why.empty()) return "position " + std::to_string(p) + ": " + why;
    }
    return "";
}

}  // namespace moevk::test
