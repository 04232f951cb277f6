// reference_router_test.cpp — reference::route_topk / route_weights / router_softmax on hand examples:
// ties go to the lower id, renormalisation on and off, weights of externally chosen ids.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

TEST(ReferenceRouter, TopTwoWithTieTakesLowerIdFirst) {
    const float logits[4] = {1.0f, 3.0f, 2.0f, 3.0f};
    int32_t ids[2];
    float weights[2];
    route_topk(logits, 4, 2, true, ids, weights);
    EXPECT_EQ(ids[0], 1);
    EXPECT_EQ(ids[1], 3);
    EXPECT_EQ(weights[0], 0.5f);
    EXPECT_EQ(weights[1], 0.5f);
}

TEST(ReferenceRouter, WithoutNormWeightsAreSoftmaxProbabilities) {
    const float logits[4] = {1.0f, 3.0f, 2.0f, 3.0f};
    int32_t ids[2];
    float weights[2];
    route_topk(logits, 4, 2, false, ids, weights);
    const double denom = std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0);
    const float expected[2] = {(float)(std::exp(3.0) / denom), (float)(std::exp(3.0) / denom)};
    EXPECT_EQ(ids[0], 1);
    EXPECT_EQ(ids[1], 3);
    EXPECT_EQ(test::first_elementwise_mismatch(weights, expected, 2), 2u);
}

TEST(ReferenceRouter, TopThreeRenormalised) {
    const float logits[4] = {1.0f, 3.0f, 2.0f, 3.0f};
    int32_t ids[3];
    float weights[3];
    route_topk(logits, 4, 3, true, ids, weights);
    EXPECT_EQ(ids[0], 1);
    EXPECT_EQ(ids[1], 3);
    EXPECT_EQ(ids[2], 2);
    const double chosen = 2 * std::exp(3.0) + std::exp(2.0);
    const float expected[3] = {(float)(std::exp(3.0) / chosen), (float)(std::exp(3.0) / chosen),
                               (float)(std::exp(2.0) / chosen)};
    EXPECT_EQ(test::first_elementwise_mismatch(weights, expected, 3), 3u);
}

TEST(ReferenceRouter, AllEqualPicksLowestIds) {
    const float logits[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    int32_t ids[3];
    float weights[3];
    route_topk(logits, 6, 3, false, ids, weights);
    for (int j = 0; j < 3; ++j) {
        EXPECT_EQ(ids[j], j);
        EXPECT_NEAR(weights[j], 1.0 / 6.0, test::kElemAbs);
    }
}

TEST(ReferenceRouter, ShiftOfAllLogitsChangesNothing) {
    const float logits[5] = {-0.25f, 1.5f, 0.75f, -2.0f, 1.0f};
    float shifted[5];
    for (int e = 0; e < 5; ++e) shifted[e] = logits[e] + 64.0f;
    int32_t ids_a[2], ids_b[2];
    float w_a[2], w_b[2];
    route_topk(logits, 5, 2, true, ids_a, w_a);
    route_topk(shifted, 5, 2, true, ids_b, w_b);
    EXPECT_EQ(ids_a[0], 1);
    EXPECT_EQ(ids_a[1], 4);
    EXPECT_EQ(ids_b[0], ids_a[0]);
    EXPECT_EQ(ids_b[1], ids_a[1]);
    EXPECT_EQ(test::first_elementwise_mismatch(w_b, w_a, 2), 2u);
    // renormalised weights of two experts: sigmoid of the logit difference
    EXPECT_NEAR(w_a[0], 1.0 / (1.0 + std::exp(-0.5)), test::kElemAbs);
}

TEST(ReferenceRouter, SoftmaxSumsToOne) {
    const float logits[5] = {-3.0f, 0.0f, 2.5f, 100.0f, -100.0f};
    double probs[5];
    router_softmax(logits, 5, probs);
    double sum = 0;
    for (double p : probs) sum += p;
    EXPECT_NEAR(sum, 1.0, 5 * DBL_EPSILON);  // float64 softmax: one rounding per division, five terms
    EXPECT_GT(probs[3], 0.99);
}

TEST(ReferenceRouter, RouteWeightsReproducesTopkExactly) {
    const float logits[8] = {0.1f, -0.4f, 0.9f, 0.3f, 0.85f, -1.0f, 0.2f, 0.5f};
    for (bool norm : {false, true}) {
        int32_t ids[4];
        float from_topk[4], recomputed[4];
        route_topk(logits, 8, 4, norm, ids, from_topk);
        route_weights(logits, 8, ids, 4, norm, recomputed);
        for (int j = 0; j < 4; ++j) EXPECT_EQ(recomputed[j], from_topk[j]) << j;
    }
}

TEST(ReferenceRouter, RouteWeightsOfGivenIds) {
    const float logits[4] = {1.0f, 3.0f, 2.0f, 3.0f};
    const int32_t ids[2] = {2, 0};  // not the top 2: e.g. the GPU chose differently on a near-tie
    float weights[2];
    route_weights(logits, 4, ids, 2, true, weights);
    const double chosen = std::exp(2.0) + std::exp(1.0);
    const float expected[2] = {(float)(std::exp(2.0) / chosen), (float)(std::exp(1.0) / chosen)};
    EXPECT_EQ(test::first_elementwise_mismatch(weights, expected, 2), 2u);
}

}  // namespace
}  // namespace moevk::reference
