// reference_attention_test.cpp — reference::attention_head on hand cases: one key returns v, equal scores
// average v, a constructed 1:3 softmax, row strides (GQA cache layout), large scores, no keys.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

TEST(ReferenceAttention, OneKeyReturnsItsValue) {
    const float q[3] = {0.3f, -2.0f, 5.0f};
    const float k[3] = {1.0f, 4.0f, -0.5f};
    const float v[2] = {-1.75f, 123.0f};
    float out[2];
    attention_head(q, k, 3, v, 2, 1, 3, 2, 0.125f, out);
    EXPECT_EQ(out[0], v[0]);
    EXPECT_EQ(out[1], v[1]);
}

TEST(ReferenceAttention, EqualScoresAverageValues) {
    const float q[2] = {0.0f, 0.0f};  // every score is 0
    const float k[6] = {1, 2, 3, 4, 5, 6};
    const float v[6] = {1, 10, 2, 20, 6, 60};
    float out[2];
    attention_head(q, k, 2, v, 2, 3, 2, 2, 1.0f, out);
    const float expected[2] = {3.0f, 30.0f};
    EXPECT_EQ(test::first_elementwise_mismatch(out, expected, 2), 2u);
}

TEST(ReferenceAttention, SoftmaxOfScaledScores) {
    // scores 0 and 0.5 * 2 ln 3 = ln 3: weights 1/4 and 3/4
    const float q[2] = {1.0f, 0.0f};
    const float k[4] = {0.0f, 0.0f, (float)(2.0 * std::log(3.0)), 0.0f};
    const float v[4] = {4.0f, 0.0f, 0.0f, 8.0f};
    float out[2];
    attention_head(q, k, 2, v, 2, 2, 2, 2, 0.5f, out);
    const float expected[2] = {1.0f, 6.0f};
    EXPECT_EQ(test::first_elementwise_mismatch(out, expected, 2), 2u);
}

TEST(ReferenceAttention, HonoursRowStrides) {
    // keys and values interleaved with another head's data, as in a cache row of several KV heads
    const float q[2] = {1.0f, 0.0f};
    const float k[8] = {0, 0, 99, 99, /* row 1 */ (float)std::log(3.0), 0, -99, -99};
    const float v[6] = {4, 99, 99, /* row 1 */ 0, 99, 99};
    float out[1];
    attention_head(q, k, 4, v, 3, 2, 2, 1, 1.0f, out);
    const float expected[1] = {1.0f};  // 1/4 * 4 + 3/4 * 0
    EXPECT_EQ(test::first_elementwise_mismatch(out, expected, 1), 1u);
}

TEST(ReferenceAttention, LargeScoresStayFinite) {
    const float q[1] = {1000.0f};
    const float k[2] = {1.0f, 1.0f};  // scores 1000 and 1000: exp would overflow without the max shift
    const float v[2] = {2.0f, 4.0f};
    float out[1];
    attention_head(q, k, 1, v, 1, 2, 1, 1, 1.0f, out);
    EXPECT_EQ(out[0], 3.0f);
}

TEST(ReferenceAttention, NoKeysGivesZeros) {
    const float q[2] = {1.0f, 2.0f};
    float out[2] = {5.0f, 5.0f};
    attention_head(q, nullptr, 2, nullptr, 2, 0, 2, 2, 1.0f, out);
    EXPECT_EQ(out[0], 0.0f);
    EXPECT_EQ(out[1], 0.0f);
}

}  // namespace
}  // namespace moevk::reference
