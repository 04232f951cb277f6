// rope.cpp — reference rotary position embedding, NeoX layout (llama.cpp's GGML_ROPE_TYPE_NEOX, used by
// qwen3moe): dimension i pairs with i + n_rot/2. Angles, cos and sin are computed in float64 from the
// absolute position; llama.cpp's float recurrence for theta is deliberately not imitated.
#include <cmath>

#include "reference/ops.h"

namespace moevk::reference {

void rope_neox(float *head, size_t head_dim, size_t n_rot, int32_t pos, float freq_base) {
    (void)head_dim;  // dims in [n_rot, head_dim) pass through unchanged
    const size_t half = n_rot / 2;
    for (size_t i = 0; i < half; ++i) {
        const double inv_freq = std::pow((double)freq_base, -2.0 * (double)i / (double)n_rot);
        const double theta = (double)pos * inv_freq;
        const double c = std::cos(theta), s = std::sin(theta);
        const double x0 = head[i], x1 = head[i + half];
        head[i] = (float)(x0 * c - x1 * s);
        head[i + half] = (float)(x0 * s + x1 * c);
    }
}

}  // namespace moevk::reference
