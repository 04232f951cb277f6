// attention.cpp — reference attention of one query head over a run of cached keys/values: scores,
// max-subtracted softmax and the weighted sum of values, all in float64. The caller picks the keys (causal
// masking = passing only positions <= the query's) and the KV head (GQA).
#include <cmath>
#include <vector>

#include "reference/ops.h"

namespace moevk::reference {

void attention_head(const float *q, const float *k, size_t k_stride, const float *v, size_t v_stride,
                    size_t n_keys, size_t head_dim_k, size_t head_dim_v, float scale, float *out) {
    if (n_keys == 0) {  // no keys: nothing to attend to; defined as zeros rather than 0/0
        for (size_t d = 0; d < head_dim_v; ++d) out[d] = 0.0f;
        return;
    }
    std::vector<double> score(n_keys);
    double max_score = -INFINITY;
    for (size_t j = 0; j < n_keys; ++j) {
        score[j] = dot_f64(q, k + j * k_stride, head_dim_k) * (double)scale;
        if (score[j] > max_score) max_score = score[j];
    }
    // subtract the max before exp (for numerical stability)
    double sum = 0.0;
    for (size_t j = 0; j < n_keys; ++j) {
        score[j] = std::exp(score[j] - max_score);
        sum += score[j];
    }
    for (size_t d = 0; d < head_dim_v; ++d) {
        double acc = 0.0;
        for (size_t j = 0; j < n_keys; ++j) acc += score[j] * (double)v[j * v_stride + d];
        out[d] = (float)(acc / sum);
    }
}

}  // namespace moevk::reference
