// gates.cpp — reference gates of the hybrid models: sigmoid/softplus, the sigmoid-gated attention output,
// the gated RMSNorm of GatedDeltaNet and the L2 normalisation of its Q/K heads. float64 inside.
#include <algorithm>
#include <cmath>

#include "reference/ops.h"

namespace moevk::reference {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double softplus(double x) {
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x
    return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

void sigmoid_gate(float *x, const float *gate, size_t n) {
    for (size_t i = 0; i < n; ++i) x[i] = (float)((double)x[i] * sigmoid(gate[i]));
}

void rms_norm_gated(const float *x, const float *w, const float *z, float *y, size_t n, float eps) {
    const double scale = 1.0 / std::sqrt(dot_f64(x, x, n) / (double)n + (double)eps);
    for (size_t i = 0; i < n; ++i) {
        const double silu = (double)z[i] * sigmoid(z[i]);
        y[i] = (float)((double)x[i] * scale * (double)w[i] * silu);
    }
}

void l2_norm(const float *x, float *y, size_t n, float eps) {
    const double scale = 1.0 / std::max(std::sqrt(dot_f64(x, x, n)), (double)eps);
    for (size_t i = 0; i < n; ++i) y[i] = (float)((double)x[i] * scale);
}

}  // namespace moevk::reference
