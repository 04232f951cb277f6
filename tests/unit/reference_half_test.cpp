// reference_half_test.cpp — core/half.h conversions the reference uses for F16/BF16 weights and scales:
// known bit patterns, round to nearest even at the boundaries, and exhaustive 16-bit round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/half.h"

namespace moevk {
namespace {

TEST(ReferenceHalf, Fp16KnownBits) {
    EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
    EXPECT_EQ(fp32_to_fp16(-2.0f), 0xc000);
    EXPECT_EQ(fp32_to_fp16(0.5f), 0x3800);
    EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);           // largest finite
    EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7bff);         // just below the halfway point to infinity
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);           // halfway rounds to even: infinity
    EXPECT_EQ(fp32_to_fp16(INFINITY), 0x7c00);
    EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // half of it: ties to even (0)
    EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 units: ties to even (2)
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // halfway: even
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(3.0f, -11)), 0x3c02);      // halfway: even
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);  // past half
    EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(NAN))));
}

TEST(ReferenceHalf, Bf16KnownBits) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(fp32_to_bf16(-3.0f), 0xc040);
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // halfway: even
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(3.0f, -8)), 0x3f82);  // halfway: even
    EXPECT_EQ(bf16_to_fp32(0x7f80), INFINITY);
    EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(NAN))));
}

TEST(ReferenceHalf, EveryFp16RoundTrips) {
    for (uint32_t bits = 0; bits <= 0xffffu; ++bits) {
        const float f = fp16_to_fp32((uint16_t)bits);
        if (std::isnan(f)) {
            EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f)))) << bits;
            continue;
        }
        ASSERT_EQ(fp32_to_fp16(f), bits) << "fp16 bits " << bits;
    }
}

TEST(ReferenceHalf, EveryBf16RoundTrips) {
    for (uint32_t bits = 0; bits <= 0xffffu; ++bits) {
        const float f = bf16_to_fp32((uint16_t)bits);
        if (std::isnan(f)) {
            EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(f)))) << bits;
            continue;
        }
        ASSERT_EQ(fp32_to_bf16(f), bits) << "bf16 bits " << bits;
    }
}

#if defined(__FLT16_MAX__)
// The compiler's _Float16 conversion is IEEE round-to-nearest-even: an independent check of fp32_to_fp16
// over a sweep of about 4 million float bit patterns covering every exponent (an odd stride, so both
// parities of every mantissa position and exact halfway cases occur).
TEST(ReferenceHalf, Fp16MatchesCompilerConversion) {
    for (uint64_t bits = 0; bits <= 0xffffffffull; bits += 1021) {
        const float f = fp32_from_bits((uint32_t)bits);
        if (std::isnan(f)) continue;
        const _Float16 h = (_Float16)f;
        uint16_t expected;
        std::memcpy(&expected, &h, 2);
        ASSERT_EQ(fp32_to_fp16(f), expected) << "float bits " << bits;
    }
}
#endif

}  // namespace
}  // namespace moevk
