// swiglu.cpp — reference SwiGLU activation of the expert FFN: silu(gate) * up, computed in float64 and
// rounded once to float.
#include <cmath>

#include "reference/ops.h"

namespace moevk::reference {

void swiglu(const float *g, const float *u, float *out, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const double gate = g[i];
        out[i] = (float)(gate / (1.0 + std::exp(-gate)) * (double)u[i]);
    }
}

}  // namespace moevk::reference
