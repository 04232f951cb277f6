// reference_kquant_test.cpp — K-quant super-blocks (Q4_K, Q5_K, Q6_K): dequantisation of hand-packed blocks
// against values worked out by hand from ggml's layout, and quantize_row -> dequantize_row keeping every
// value on the nearest point of its sub-block's grid (what ggml's re-quantisation step guarantees).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/half.h"
#include "model/ggml_kquants.h"
#include "model/ggml_type.h"

namespace moevk::model {
namespace {

constexpr uint16_t kHalfOne = 0x3c00;
constexpr uint16_t kHalfHalf = 0x3800;  // 0.5

// Packs 6-bit (scale, min) pairs the way ggml-common.h documents scales[12]: pairs 0-3 in the low 6 bits
// of bytes 0-3 (scales) and 4-7 (mins); pairs 4-7 as nibbles of bytes 8-11 with the top 2 bits in the
// top of bytes 0-3 (scales) and 4-7 (mins).
void pack_scales(const int sc[8], const int m[8], uint8_t out[12]) {
    std::memset(out, 0, 12);
    for (int j = 0; j < 4; ++j) {
        out[j] = (uint8_t)sc[j];
        out[j + 4] = (uint8_t)m[j];
    }
    for (int j = 4; j < 8; ++j) {
        out[j + 4] = (uint8_t)((sc[j] & 15) | ((m[j] & 15) << 4));
        out[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
        out[j] |= (uint8_t)((m[j] >> 4) << 6);
    }
}

TEST(ReferenceKQuant, RowBytesAreWholeSuperBlocks) {
    EXPECT_EQ(block_elements(GgmlType::kQ4_K), 256u);
    EXPECT_EQ(*row_bytes(GgmlType::kQ4_K, 512), 288u);
    EXPECT_EQ(*row_bytes(GgmlType::kQ5_K, 256), 176u);
    EXPECT_EQ(*row_bytes(GgmlType::kQ6_K, 768), 630u);
    EXPECT_FALSE(row_bytes(GgmlType::kQ4_K, 128).has_value());
    EXPECT_FALSE(row_bytes(GgmlType::kQ6_K, 288).has_value());
    EXPECT_TRUE(is_supported_type(12) && is_supported_type(13) && is_supported_type(14));
    EXPECT_EQ(type_name(14), "q6_K");
}

TEST(ReferenceKQuant, ScaleMinUnpacksEveryPair) {
    const int sc[8] = {0, 63, 17, 40, 1, 63, 32, 47};
    const int m[8] = {63, 0, 5, 33, 62, 16, 48, 31};
    uint8_t packed[12];
    pack_scales(sc, m, packed);
    for (int j = 0; j < 8; ++j) {
        uint8_t s, mm;
        kquant_scale_min(j, packed, &s, &mm);
        EXPECT_EQ(s, sc[j]) << j;
        EXPECT_EQ(mm, m[j]) << j;
    }
}

TEST(ReferenceKQuant, HandBuiltQ4_KBlock) {
    // d = dmin = 1: value = sc_j * q - m_j, exact in float
    BlockQ4_K b;
    b.d = kHalfOne;
    b.dmin = kHalfOne;
    const int sc[8] = {1, 2, 3, 4, 33, 50, 63, 16};
    const int m[8] = {0, 1, 2, 3, 60, 20, 40, 63};
    pack_scales(sc, m, b.scales);
    // sub-block 2i in the low nibbles of qs[32i ..], 2i+1 in the high nibbles
    for (int i = 0; i < 4; ++i)
        for (int l = 0; l < 32; ++l) b.qs[32 * i + l] = (uint8_t)((l % 16) | (((l + i) % 16) << 4));
    float out[256];
    dequantize_row(GgmlType::kQ4_K, &b, out, 256);
    for (int j = 0; j < 8; ++j) {
        for (int l = 0; l < 32; ++l) {
            const int q = j % 2 == 0 ? l % 16 : (l + j / 2) % 16;
            EXPECT_EQ(out[32 * j + l], (float)(sc[j] * q - m[j])) << "sub-block " << j << " value " << l;
        }
    }
}

TEST(ReferenceKQuant, HandBuiltQ5_KBlock) {
    // d = 0.5, dmin = 1: value = 0.5 * sc_j * (q + 16 * high bit) - m_j
    BlockQ5_K b;
    b.d = kHalfHalf;
    b.dmin = kHalfOne;
    const int sc[8] = {2, 4, 6, 8, 34, 62, 40, 20};
    const int m[8] = {1, 0, 63, 17, 32, 2, 8, 50};
    pack_scales(sc, m, b.scales);
    for (int i = 0; i < 4; ++i)
        for (int l = 0; l < 32; ++l) b.qs[32 * i + l] = (uint8_t)(((l * 3) % 16) | ((15 - l % 16) << 4));
    for (int l = 0; l < 32; ++l) b.qh[l] = (uint8_t)(l * 37 + 11);  // bit j: high bit of sub-block j's value l
    float out[256];
    dequantize_row(GgmlType::kQ5_K, &b, out, 256);
    for (int j = 0; j < 8; ++j) {
        for (int l = 0; l < 32; ++l) {
            const int low = j % 2 == 0 ? (l * 3) % 16 : 15 - l % 16;
            const int q = low + (((l * 37 + 11) >> j) & 1) * 16;
            EXPECT_EQ(out[32 * j + l], 0.5f * (float)sc[j] * (float)q - (float)m[j]) << "sub-block " << j << " value " << l;
        }
    }
}

TEST(ReferenceKQuant, HandBuiltQ6_KBlock) {
    // value n of the super-block: half h = n / 128, k = (n % 128) / 32, l = n % 32; low 4 bits in
    // ql[64h + l + 32 (k % 2)] (high nibble when k >= 2), 2 high bits at bit 2k of qh[32h + l],
    // scale scales[n / 16]; value = d * scale * (q - 32)
    BlockQ6_K b;
    std::memset(&b, 0, sizeof b);
    b.d = kHalfHalf;
    int expected_q[256];
    for (int n = 0; n < 256; ++n) {
        const int q = (n * 11 + 5) % 64;
        expected_q[n] = q;
        const int h = n / 128, k = (n % 128) / 32, l = n % 32;
        b.ql[64 * h + l + 32 * (k % 2)] |= (uint8_t)((q & 15) << (k >= 2 ? 4 : 0));
        b.qh[32 * h + l] |= (uint8_t)((q >> 4) << (2 * k));
    }
    for (int g = 0; g < 16; ++g) b.scales[g] = (int8_t)(g % 2 == 0 ? -128 + 9 * g : 127 - 5 * g);
    float out[256];
    dequantize_row(GgmlType::kQ6_K, &b, out, 256);
    for (int n = 0; n < 256; ++n)
        EXPECT_EQ(out[n], 0.5f * (float)b.scales[n / 16] * (float)(expected_q[n] - 32)) << "value " << n;
}

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float &x : v) x = normal(rng);
    return v;
}

// Distance from x to the nearest of the grid points offset + step * q, q in [0, q_max].
double grid_distance(double x, double step, double offset, int q_max) {
    if (step == 0) return std::fabs(x - offset);
    const double q = std::min<double>(q_max, std::max(0.0, std::nearbyint((x - offset) / step)));
    return std::fabs(x - (offset + step * q));
}

// The grid of value n of super-block sb of a packed K-quant row: offset + step * q, q in [0, q_max].
struct Grid {
    double step, offset;
    int q_max;
};

Grid grid_of(GgmlType type, const std::vector<uint8_t> &packed, size_t sb, int n) {
    if (type == GgmlType::kQ6_K) {
        BlockQ6_K b;
        std::memcpy(&b, packed.data() + sb * sizeof b, sizeof b);
        const double s = (double)(fp16_to_fp32(b.d) * b.scales[n / 16]);
        // grid s * (q - 32), q in [0, 63], written from its low end
        return {std::fabs(s), s >= 0 ? -32 * s : 31 * s, 63};
    }
    BlockQ4_K b;  // Q5_K shares the header layout (d, dmin, scales)
    std::memcpy(&b, packed.data() + sb * (type == GgmlType::kQ4_K ? 144 : 176), 16);
    uint8_t sc, m;
    kquant_scale_min(n / 32, b.scales, &sc, &m);
    return {(double)(fp16_to_fp32(b.d) * sc), -(double)(fp16_to_fp32(b.dmin) * m), type == GgmlType::kQ4_K ? 15 : 31};
}

// Round trips of each K-quant type.
class ReferenceKQuantRoundTrip : public ::testing::TestWithParam<GgmlType> {};

// After quantize -> dequantize every value sits on its sub-block's grid, at the grid point nearest to the
// original value (ggml re-quantises with the stored scales), up to float rounding of the decode.
TEST_P(ReferenceKQuantRoundTrip, LandsOnTheNearestGridPoint) {
    const GgmlType type = GetParam();
    const std::vector<float> x = random_values(256 * 4, 21);
    std::vector<uint8_t> packed(*row_bytes(type, x.size()));
    quantize_row(type, x.data(), packed.data(), x.size());
    std::vector<float> y(x.size());
    dequantize_row(type, packed.data(), y.data(), x.size());
    for (size_t sb = 0; sb < x.size() / 256; ++sb) {
        for (int n = 0; n < 256; ++n) {
            const Grid g = grid_of(type, packed, sb, n);
            const size_t i = sb * 256 + n;
            const double slack = 8 * FLT_EPSILON * (std::fabs(x[i]) + std::fabs(g.offset) + g.q_max * g.step);
            EXPECT_LE(std::fabs((double)y[i] - x[i]), grid_distance(x[i], g.step, g.offset, g.q_max) + slack)
                << "super-block " << sb << " value " << n;
            EXPECT_LE(grid_distance(y[i], g.step, g.offset, g.q_max), slack) << "off the grid at " << i;
        }
    }
}

TEST_P(ReferenceKQuantRoundTrip, ZerosStayZero) {
    const GgmlType type = GetParam();
    const std::vector<float> zeros(512, 0.0f);
    std::vector<uint8_t> packed(*row_bytes(type, zeros.size()), 0xAA);
    quantize_row(type, zeros.data(), packed.data(), zeros.size());
    std::vector<float> y(zeros.size(), 1.0f);
    dequantize_row(type, packed.data(), y.data(), zeros.size());
    for (float v : y) EXPECT_EQ(v, 0.0f);
}

INSTANTIATE_TEST_SUITE_P(KQuants, ReferenceKQuantRoundTrip,
                         ::testing::Values(GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K),
                         [](const ::testing::TestParamInfo<GgmlType> &info) {
                             return std::string(type_name((uint32_t)info.param));
                         });

}  // namespace
}  // namespace moevk::model
