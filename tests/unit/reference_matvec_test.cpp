// reference_matvec_test.cpp — reference::matvec for every weight type: a hand case, float64 accumulation,
// and seeded random matrices checked against an independent long-double dot of the dequantised rows.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "model/ggml_type.h"
#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

using model::GgmlType;

TEST(ReferenceMatvec, HandCaseF32) {
    // 3 rows of 2: y[r] = sum_c W[r][c] x[c]
    const float w[6] = {1, 2, 3, 4, 5, 6};
    const float x[2] = {1, -1};
    float y[3];
    matvec(GgmlType::kF32, w, 3, 2, x, y);
    EXPECT_EQ(y[0], -1.0f);
    EXPECT_EQ(y[1], -1.0f);
    EXPECT_EQ(y[2], -1.0f);
}

TEST(ReferenceMatvec, AccumulatesInDouble) {
    // in float, 1e8 + 1 == 1e8, so a float accumulator returns 0; the exact answer is 1
    const float w[3] = {1e8f, 1.0f, -1e8f};
    const float x[3] = {1.0f, 1.0f, 1.0f};
    float y;
    matvec(GgmlType::kF32, w, 1, 3, x, &y);
    EXPECT_EQ(y, 1.0f);
}

TEST(ReferenceMatvec, ZeroRowsWritesNothing) {
    const float x[2] = {1, 2};
    float y = 42.0f;
    matvec(GgmlType::kF32, nullptr, 0, 2, x, &y);
    EXPECT_EQ(y, 42.0f);
}

class ReferenceMatvecType : public ::testing::TestWithParam<GgmlType> {};

TEST_P(ReferenceMatvecType, MatchesLongDoubleDotOfDequantisedRows) {
    const GgmlType type = GetParam();
    const size_t n_rows = 7, n_cols = 96;  // 3 blocks of 32 per row
    std::mt19937 rng(1234);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> source(n_rows * n_cols), x(n_cols);
    for (float &v : source) v = normal(rng);
    for (float &v : x) v = normal(rng);

    const uint64_t row_bytes = *model::row_bytes(type, n_cols);
    std::vector<uint8_t> w(n_rows * row_bytes);
    for (size_t r = 0; r < n_rows; ++r)
        model::quantize_row(type, source.data() + r * n_cols, w.data() + r * row_bytes, n_cols);

    std::vector<float> y(n_rows), expected(n_rows), row(n_cols);
    matvec(type, w.data(), n_rows, n_cols, x.data(), y.data());
    for (size_t r = 0; r < n_rows; ++r) {
        model::dequantize_row(type, w.data() + r * row_bytes, row.data(), n_cols);
        long double acc = 0;
        for (size_t c = n_cols; c-- > 0;) acc += (long double)row[c] * x[c];  // other order, wider type
        expected[r] = (float)acc;
    }
    EXPECT_EQ(test::first_elementwise_mismatch(y.data(), expected.data(), n_rows), n_rows)
        << model::type_name((uint32_t)type);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ReferenceMatvecType,
                         ::testing::Values(GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0,
                                           GgmlType::kQ4_0),
                         [](const ::testing::TestParamInfo<GgmlType> &info) {
                             return model::type_name((uint32_t)info.param);
                         });

}  // namespace
}  // namespace moevk::reference
