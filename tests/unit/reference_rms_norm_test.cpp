// reference_rms_norm_test.cpp — hand-checked values for reference::rms_norm (float64 mean of squares,
// optional weight, eps inside the square root, safe in place).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

TEST(ReferenceRmsNorm, ThreeFourWithoutEps) {
    const float x[2] = {3.0f, 4.0f};
    float y[2];
    rms_norm(x, nullptr, y, 2, 0.0f);
    // mean of squares = (9 + 16) / 2 = 12.5
    const float expected[2] = {(float)(3.0 / std::sqrt(12.5)), (float)(4.0 / std::sqrt(12.5))};
    EXPECT_EQ(test::first_elementwise_mismatch(y, expected, 2), 2u);
}

TEST(ReferenceRmsNorm, AppliesWeightPerElement) {
    const float x[2] = {3.0f, 4.0f};
    const float w[2] = {2.0f, -0.5f};
    float y[2];
    rms_norm(x, w, y, 2, 0.0f);
    const float expected[2] = {(float)(6.0 / std::sqrt(12.5)), (float)(-2.0 / std::sqrt(12.5))};
    EXPECT_EQ(test::first_elementwise_mismatch(y, expected, 2), 2u);
}

TEST(ReferenceRmsNorm, EpsIsAddedToTheMean) {
    const float x[4] = {1.0f, -1.0f, 1.0f, -1.0f};
    float y[4];
    rms_norm(x, nullptr, y, 4, 3.0f);  // 1 / sqrt(1 + 3) = 0.5, exact
    const float expected[4] = {0.5f, -0.5f, 0.5f, -0.5f};
    for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(ReferenceRmsNorm, ZeroInputWithEpsGivesZero) {
    const float x[3] = {0.0f, 0.0f, 0.0f};
    float y[3] = {7.0f, 7.0f, 7.0f};
    rms_norm(x, nullptr, y, 3, 1e-6f);
    for (float v : y) EXPECT_EQ(v, 0.0f);
}

TEST(ReferenceRmsNorm, InPlaceEqualsOutOfPlace) {
    std::vector<float> x = {0.25f, -1.5f, 3.0f, 1e-3f, 8.0f, -2.0f};
    const std::vector<float> w = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f, 0.25f};
    std::vector<float> y(x.size());
    rms_norm(x.data(), w.data(), y.data(), x.size(), 1e-6f);
    rms_norm(x.data(), w.data(), x.data(), x.size(), 1e-6f);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], y[i]) << i;
}

TEST(ReferenceRmsNorm, ScaleInvariantWithoutEps) {
    const std::vector<float> x = {0.3f, -0.7f, 1.1f, 2.5f, -0.01f};
    std::vector<float> x_scaled(x.size()), y(x.size()), y_scaled(x.size());
    for (size_t i = 0; i < x.size(); ++i) x_scaled[i] = x[i] * 1024.0f;  // power of two: exact
    rms_norm(x.data(), nullptr, y.data(), x.size(), 0.0f);
    rms_norm(x_scaled.data(), nullptr, y_scaled.data(), x.size(), 0.0f);
    EXPECT_EQ(test::first_elementwise_mismatch(y_scaled.data(), y.data(), x.size()), x.size());
    // the result has unit root mean square
    double sum_sq = 0;
    for (float v : y) sum_sq += (double)v * v;
    EXPECT_NEAR(sum_sq / (double)y.size(), 1.0, test::kElemRel);
}

}  // namespace
}  // namespace moevk::reference
