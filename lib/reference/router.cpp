// router.cpp — reference MoE router (llama.cpp's softmax gating, as qwen3moe uses it): softmax over all
// experts in float64, top-k by probability with ties going to the lower expert id, optional
// renormalisation of the chosen k. Also gives the weights of an externally chosen set of ids.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

#include "reference/ops.h"

namespace moevk::reference {

void router_softmax(const float *logits, size_t n_expert, double *probs) {
    double max_logit = -INFINITY;
    for (size_t e = 0; e < n_expert; ++e) max_logit = std::max(max_logit, (double)logits[e]);
    double sum = 0.0;
    for (size_t e = 0; e < n_expert; ++e) {
        probs[e] = std::exp((double)logits[e] - max_logit);
        sum += probs[e];
    }
    for (size_t e = 0; e < n_expert; ++e) probs[e] /= sum;
}

void route_weights(const float *logits, size_t n_expert, const int32_t *ids, size_t k, bool norm_topk,
                   float *weights) {
    std::vector<double> probs(n_expert);
    router_softmax(logits, n_expert, probs.data());
    double chosen_sum = 0.0;
    for (size_t j = 0; j < k; ++j) chosen_sum += probs[(size_t)ids[j]];
    // llama.cpp clamps the sum from below (fp16's smallest normal) before dividing; with softmax
    // gating the sum of the top k is >= k/n_expert, so this only matters for externally chosen ids.
    const double divisor = norm_topk ? std::max(chosen_sum, 6.103515625e-5) : 1.0;
    for (size_t j = 0; j < k; ++j) weights[j] = (float)(probs[(size_t)ids[j]] / divisor);
}

void route_topk(const float *logits, size_t n_expert, size_t k, bool norm_topk, int32_t *ids, float *weights) {
    assert(k <= n_expert);
    std::vector<double> probs(n_expert);
    router_softmax(logits, n_expert, probs.data());
    std::vector<bool> taken(n_expert, false);
    for (size_t j = 0; j < k; ++j) {
        // strict '>' while scanning upwards: among equal probabilities the lowest id wins
        size_t best = n_expert;
        for (size_t e = 0; e < n_expert; ++e) {
            if (taken[e]) continue;
            if (best == n_expert || probs[e] > probs[best]) best = e;
        }
        taken[best] = true;
        ids[j] = (int32_t)best;
    }
    route_weights(logits, n_expert, ids, k, norm_topk, weights);
}

}  // namespace moevk::reference
