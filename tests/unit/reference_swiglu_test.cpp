// reference_swiglu_test.cpp — reference::swiglu: silu(g) * u on hand values and at the extremes of g.
#include <gtest/gtest.h>

#include <cmath>

#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

TEST(ReferenceSwiglu, HandValues) {
    const float g[4] = {0.0f, 1.0f, -1.0f, 2.0f};
    const float u[4] = {5.0f, 2.0f, 1.0f, -0.5f};
    float out[4];
    swiglu(g, u, out, 4);
    const float expected[4] = {
        0.0f,
        (float)(2.0 / (1.0 + std::exp(-1.0))),
        (float)(-1.0 / (1.0 + std::exp(1.0))),
        (float)(-0.5 * 2.0 / (1.0 + std::exp(-2.0))),
    };
    EXPECT_EQ(test::first_elementwise_mismatch(out, expected, 4), 4u);
}

TEST(ReferenceSwiglu, ExtremeGatesStayFinite) {
    const float g[3] = {100.0f, -100.0f, -1000.0f};
    const float u[3] = {3.0f, 3.0f, 3.0f};
    float out[3];
    swiglu(g, u, out, 3);
    EXPECT_EQ(out[0], 300.0f);  // silu(g) -> g for large g
    EXPECT_TRUE(std::isfinite(out[1]));
    EXPECT_LE(std::fabs(out[1]), 1e-30f);  // silu(g) -> 0 for very negative g
    EXPECT_EQ(out[2], 0.0f);
}

}  // namespace
}  // namespace moevk::reference
