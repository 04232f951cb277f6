// rms_norm.cpp — reference RMSNorm: y = x / sqrt(mean(x^2) + eps) * w, the mean taken in float64.
// Used for the block norms (over n_embd) and for Qwen3's per-head Q/K norms (over head_dim).
#include <cmath>

#include "reference/ops.h"

namespace moevk::reference {

void rms_norm(const float *x, const float *w, float *y, size_t n, float eps) {
    double sum_sq = 0.0;
    for (size_t i = 0; i < n; ++i) sum_sq += (double)x[i] * (double)x[i];
    const double mean = n > 0 ? sum_sq / (double)n : 0.0;
    const double scale = 1.0 / std::sqrt(mean + (double)eps);
    // One rounding per output: the product is formed in double and stored once as float.
    for (size_t i = 0; i < n; ++i) {
        const double weight = w != nullptr ? (double)w[i] : 1.0;
        y[i] = (float)((double)x[i] * scale * weight);
    }
}

}  // namespace moevk::reference
