// reference_dequantize_test.cpp — the exact dequantisation the reference relies on (model::dequantize_row)
// on hand-built Q4_0/Q8_0 blocks and known fp16/bf16 bits, and quantize_row -> dequantize_row error bounds
// derived from each format (not measured).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/half.h"
#include "model/ggml_type.h"

namespace moevk::model {
namespace {

TEST(ReferenceDequantize, RowBytes) {
    EXPECT_EQ(*row_bytes(GgmlType::kQ4_0, 64), 36u);
    EXPECT_EQ(*row_bytes(GgmlType::kQ8_0, 32), 34u);
    EXPECT_EQ(*row_bytes(GgmlType::kF16, 10), 20u);
    EXPECT_EQ(*row_bytes(GgmlType::kBF16, 10), 20u);
    EXPECT_EQ(*row_bytes(GgmlType::kF32, 10), 40u);
    EXPECT_FALSE(row_bytes(GgmlType::kQ4_0, 33).has_value());
    EXPECT_FALSE(row_bytes(GgmlType::kQ8_0, 16).has_value());
}

TEST(ReferenceDequantize, HandBuiltQ4_0Blocks) {
    // two blocks; low nibble of qs[j] is element j, high nibble element j + 16; value (q - 8) * d
    BlockQ4_0 blocks[2];
    blocks[0].d = 0x3800;  // 0.5
    blocks[1].d = 0xc000;  // -2.0
    for (int j = 0; j < 16; ++j) {
        blocks[0].qs[j] = (uint8_t)(j | ((15 - j) << 4));
        blocks[1].qs[j] = (uint8_t)(8 | (0 << 4));
    }
    float out[64];
    dequantize_row(GgmlType::kQ4_0, blocks, out, 64);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(out[j], (float)(j - 8) * 0.5f) << j;
        EXPECT_EQ(out[j + 16], (float)(15 - j - 8) * 0.5f) << j;
        EXPECT_EQ(out[32 + j], 0.0f) << j;         // q = 8 is zero
        EXPECT_EQ(out[48 + j], 16.0f) << j;        // q = 0: (0 - 8) * -2
    }
}

TEST(ReferenceDequantize, HandBuiltQ8_0Blocks) {
    BlockQ8_0 blocks[2];
    blocks[0].d = 0x3400;  // 0.25
    blocks[1].d = 0x3c00;  // 1.0
    for (int j = 0; j < 32; ++j) {
        blocks[0].qs[j] = (int8_t)(j - 16);
        blocks[1].qs[j] = (int8_t)(j % 2 == 0 ? -128 : 127);
    }
    float out[64];
    dequantize_row(GgmlType::kQ8_0, blocks, out, 64);
    for (int j = 0; j < 32; ++j) {
        EXPECT_EQ(out[j], (float)(j - 16) * 0.25f) << j;
        EXPECT_EQ(out[32 + j], j % 2 == 0 ? -128.0f : 127.0f) << j;
    }
}

TEST(ReferenceDequantize, KnownHalfAndBfloatBits) {
    const uint16_t f16[6] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000};
    float out[6];
    dequantize_row(GgmlType::kF16, f16, out, 6);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], -2.0f);
    EXPECT_EQ(out[2], 65504.0f);
    EXPECT_EQ(out[3], std::ldexp(1.0f, -24));
    EXPECT_EQ(out[4], INFINITY);
    EXPECT_EQ(out[5], 0.0f);
    EXPECT_TRUE(std::signbit(out[5]));
    const uint16_t bf16[3] = {0x3f80, 0xc040, 0x0001};
    dequantize_row(GgmlType::kBF16, bf16, out, 3);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], -3.0f);
    EXPECT_EQ(out[2], fp32_from_bits(0x00010000u));
}

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float &x : v) x = normal(rng);
    return v;
}

std::vector<float> round_trip(GgmlType type, const std::vector<float> &x) {
    std::vector<uint8_t> packed(*row_bytes(type, x.size()));
    quantize_row(type, x.data(), packed.data(), x.size());
    std::vector<float> y(x.size());
    dequantize_row(type, packed.data(), y.data(), x.size());
    return y;
}

TEST(ReferenceDequantize, FloatTypesRoundTripWithinHalfAnUlp) {
    const std::vector<float> x = random_values(256, 11);
    const std::vector<float> f32 = round_trip(GgmlType::kF32, x);
    const std::vector<float> f16 = round_trip(GgmlType::kF16, x);
    const std::vector<float> bf16 = round_trip(GgmlType::kBF16, x);
    for (size_t i = 0; i < x.size(); ++i) {
        EXPECT_EQ(f32[i], x[i]);
        // round to nearest: relative error <= 2^-(mantissa bits + 1); normal range only (|x| >= 2^-14)
        if (std::fabs(x[i]) >= std::ldexp(1.0f, -14)) {
            EXPECT_LE(std::fabs(f16[i] - x[i]), std::ldexp(std::fabs(x[i]), -11)) << i;
        }
        EXPECT_LE(std::fabs(bf16[i] - x[i]), std::ldexp(std::fabs(x[i]), -8)) << i;
    }
}

TEST(ReferenceDequantize, Q8_0RoundTripErrorBound) {
    const std::vector<float> x = random_values(32 * 8, 12);
    const std::vector<float> y = round_trip(GgmlType::kQ8_0, x);
    for (size_t b = 0; b < x.size() / 32; ++b) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
        const double d = amax / 127.0;                              // ideal scale
        const double d16 = fp16_to_fp32(fp32_to_fp16((float)d));    // stored scale
        // rounding to the grid costs d/2; the fp16 scale moves a grid point |q| <= 127 by |q| * |d - d16|;
        // the float arithmetic of the quantiser (x * (1/d), rounding) adds a few ulps of amax
        const double bound = 0.5 * d + 127.0 * std::fabs(d - d16) + 4 * FLT_EPSILON * amax;
        for (int j = 0; j < 32; ++j)
            EXPECT_LE(std::fabs((double)y[b * 32 + j] - x[b * 32 + j]), bound) << "block " << b << " elem " << j;
    }
}

TEST(ReferenceDequantize, Q4_0RoundTripErrorBound) {
    const std::vector<float> x = random_values(32 * 8, 13);
    const std::vector<float> y = round_trip(GgmlType::kQ4_0, x);
    for (size_t b = 0; b < x.size() / 32; ++b) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; ++j)
            if (std::fabs(x[b * 32 + j]) > amax) { amax = std::fabs(x[b * 32 + j]); max = x[b * 32 + j]; }
        const double d = max / -8.0;  // the largest magnitude maps to q = 0, i.e. -8
        const double d16 = fp16_to_fp32(fp32_to_fp16((float)d));
        for (int j = 0; j < 32; ++j) {
            const double xj = x[b * 32 + j];
            // grid points are (q - 8) * d for q in [0, 15]: values above 7.5 d clamp to 7 d (error <= d)
            const double grid_error = xj / d > 7.5 ? std::fabs(d) : 0.5 * std::fabs(d);
            const double bound = grid_error + 8.0 * std::fabs(d - d16) + 4 * FLT_EPSILON * amax;  // + float ulps
            EXPECT_LE(std::fabs((double)y[b * 32 + j] - xj), bound) << "block " << b << " elem " << j;
        }
    }
}

TEST(ReferenceDequantize, ZerosStayZero) {
    const std::vector<float> zeros(64, 0.0f);
    for (GgmlType type : {GgmlType::kQ4_0, GgmlType::kQ8_0, GgmlType::kF16, GgmlType::kBF16}) {
        const std::vector<float> y = round_trip(type, zeros);
        for (float v : y) EXPECT_EQ(v, 0.0f) << type_name((uint32_t)type);
    }
}

}  // namespace
}  // namespace moevk::model
