// reference_rope_test.cpp — reference::rope_neox: identity at position 0, NeoX pairing (i, i + n_rot/2)
// with a constructed 90-degree rotation, partial rotation, norm preservation and composition of positions.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

TEST(ReferenceRope, PositionZeroIsIdentity) {
    std::vector<float> head = {0.5f, -1.25f, 3.0f, 7.0f, -0.125f, 2.0f, 1e-3f, -9.0f};
    const std::vector<float> original = head;
    rope_neox(head.data(), head.size(), head.size(), 0, 10000.0f);
    for (size_t i = 0; i < head.size(); ++i) EXPECT_EQ(head[i], original[i]) << i;
}

TEST(ReferenceRope, NeoxPairsRotateByConstructedAngles) {
    // head_dim = n_rot = 4: pairs (0, 2) with theta = pos and (1, 3) with theta = pos * base^(-1/2).
    // base = 4/pi^2 makes the second angle pi/2 at pos 1.
    const double pi = std::acos(-1.0);
    const float base = (float)(4.0 / (pi * pi));
    float head[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    rope_neox(head, 4, 4, 1, base);
    const float expected[4] = {
        (float)(1.0 * std::cos(1.0) - 3.0 * std::sin(1.0)),  // pair (0, 2) by 1 radian
        -4.0f,                                                // pair (1, 3) by 90 degrees: (2, 4) -> (-4, 2)
        (float)(1.0 * std::sin(1.0) + 3.0 * std::cos(1.0)),
        2.0f,
    };
    EXPECT_EQ(test::first_elementwise_mismatch(head, expected, 4), 4u);
}

TEST(ReferenceRope, DimsPastNRotAreUntouched) {
    std::vector<float> head = {1, 2, 3, 4, 5, 6, 7, 8};
    rope_neox(head.data(), 8, 4, 13, 10000.0f);
    EXPECT_EQ(head[4], 5.0f);
    EXPECT_EQ(head[5], 6.0f);
    EXPECT_EQ(head[6], 7.0f);
    EXPECT_EQ(head[7], 8.0f);
    EXPECT_NE(head[0], 1.0f);  // pair (0, 2) rotated by 13 radians
}

TEST(ReferenceRope, MatchesFormulaAndPreservesPairNorms) {
    const size_t dim = 16;
    const int32_t pos = 37;
    const float base = 1000000.0f;  // Qwen3's rope_freq_base
    std::vector<float> head(dim), original(dim);
    for (size_t i = 0; i < dim; ++i) original[i] = head[i] = 0.1f * (float)i - 0.7f;
    rope_neox(head.data(), dim, dim, pos, base);
    std::vector<float> expected(dim);
    for (size_t i = 0; i < dim / 2; ++i) {
        const double theta = pos / std::pow((double)base, (double)(2 * i) / dim);
        const double x0 = original[i], x1 = original[i + dim / 2];
        expected[i] = (float)(x0 * std::cos(theta) - x1 * std::sin(theta));
        expected[i + dim / 2] = (float)(x0 * std::sin(theta) + x1 * std::cos(theta));
        const double norm_before = std::hypot(x0, x1);
        const double norm_after = std::hypot((double)head[i], (double)head[i + dim / 2]);
        EXPECT_NEAR(norm_after, norm_before, test::kElemAbs + test::kElemRel * norm_before) << i;
    }
    EXPECT_EQ(test::first_elementwise_mismatch(head.data(), expected.data(), dim), dim);
}

TEST(ReferenceRope, RotationsByPositionsCompose) {
    // rotating by a then by b equals rotating by a + b (relative-position property of RoPE)
    const size_t dim = 8;
    std::vector<float> twice(dim), once(dim);
    for (size_t i = 0; i < dim; ++i) twice[i] = once[i] = std::sin((float)i + 0.5f);
    rope_neox(twice.data(), dim, dim, 5, 10000.0f);
    rope_neox(twice.data(), dim, dim, 9, 10000.0f);
    rope_neox(once.data(), dim, dim, 14, 10000.0f);
    EXPECT_EQ(test::first_elementwise_mismatch(twice.data(), once.data(), dim), dim);
}

}  // namespace
}  // namespace moevk::reference
