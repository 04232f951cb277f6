// ggml_kquants.cpp — K-quant layouts: exact dequantisation and ggml's reference quantisers. The arithmetic
// follows ggml-quants.c step by step (float operations in the same order) so that a file written here is
// what llama-quantize would write without an importance matrix.
#include "model/ggml_kquants.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/half.h"

namespace moevk::model {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS: a group below this is all zero

// ggml's nearest_int: round half to even through the float mantissa (|v| < 2^22).
int nearest_int(float v) {
    const float shifted = v + 12582912.f;
    int32_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

// ggml's make_qkx2_quants: scale and min (returned negated in *the_min) for n values quantised to 0..nmax,
// searching nstep + 1 candidate scales around nmax / (max - min) for the least weighted error.
float make_qkx2_quants(int n, int nmax, const float *x, const float *weights, uint8_t *L, float *the_min,
                       uint8_t *Laux, float rmin, float rdelta, int nstep, bool use_mad) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        std::fill(L, L + n, 0);
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        const int l = nearest_int(iscale * (x[i] - min));
        L[i] = (uint8_t)std::max(0, std::min(nmax, l));
        float diff = scale * L[i] + min - x[i];
        diff = use_mad ? std::fabs(diff) : diff * diff;
        best_error += weights[i] * diff;
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min))));
            Laux[i] = (uint8_t)l;
            const float w = weights[i];
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                diff = use_mad ? std::fabs(diff) : diff * diff;
                cur_error += weights[i] * diff;
            }
            if (cur_error < best_error) {
                std::memcpy(L, Laux, (size_t)n);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

// ggml's make_qx_quants with rmse_type 1 and no importance weights (what quantize_row_q6_K_ref uses):
// symmetric quants L in 0..2*nmax-1 (value L - nmax), weights x^2, 19 candidate scales.
float make_qx_quants(int n, int nmax, const float *x, int8_t *L) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) { amax = ax; max = x[i]; }
    }
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, 0);
        return 0.f;
    }
    float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
        L[i] = (int8_t)(l + nmax);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i])));
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i)
                L[i] = (int8_t)(nmax + std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i]))));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// The Q4_K / Q5_K super-block header shared by both quantisers: per-sub-block scale and min from
// make_qkx2_quants, quantised to 6 bits against the largest of each, then the values re-quantised to
// 0..nmax with the stored scales. Writes d, dmin, scales[12]; returns the quants in L[256].
template <typename Block>
void quantize_scale_min_block(const float *x, Block *y, int nmax, float rmin, float rdelta, int nstep, uint8_t *L) {
    uint8_t Laux[32];
    float weights[32], mins[kQK_K / 32], scales[kQK_K / 32];
    float max_scale = 0, max_min = 0;  // scales and (negated) mins are never negative
    for (int j = 0; j < kQK_K / 32; ++j) {
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
        scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, rdelta,
                                     nstep, false);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    std::memset(y->scales, 0, sizeof y->scales);
    for (int j = 0; j < kQK_K / 32; ++j) {
        const uint8_t ls = std::min<uint8_t>(63, (uint8_t)nearest_int(inv_scale * scales[j]));
        const uint8_t lm = std::min<uint8_t>(63, (uint8_t)nearest_int(inv_min * mins[j]));
        if (j < 4) {
            y->scales[j] = ls;
            y->scales[j + 4] = lm;
        } else {  // low 4 bits in scales[8..11], high 2 bits in the top of scales[0..7]
            y->scales[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
            y->scales[j - 4] |= (uint8_t)((ls >> 4) << 6);
            y->scales[j] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    y->d = fp32_to_fp16(max_scale / 63.f);
    y->dmin = fp32_to_fp16(max_min / 63.f);
    for (int j = 0; j < kQK_K / 32; ++j) {
        uint8_t sc, m;
        kquant_scale_min(j, y->scales, &sc, &m);
        const float d = fp16_to_fp32(y->d) * sc;
        if (!d) continue;
        const float dm = fp16_to_fp32(y->dmin) * m;
        for (int ii = 0; ii < 32; ++ii)
            L[32 * j + ii] = (uint8_t)std::max(0, std::min(nmax, nearest_int((x[32 * j + ii] + dm) / d)));
    }
}

// Scales d * sc and mins dmin * m of the sub-blocks 2 pair and 2 pair + 1 of a Q4_K / Q5_K super-block
// (the low and the high nibbles of the same 32 quant bytes).
struct SubBlockPair {
    float d1, m1, d2, m2;
};
template <typename Block>
SubBlockPair sub_block_pair(const Block &b, int pair) {
    const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
    uint8_t sc1, m1, sc2, m2;
    kquant_scale_min(2 * pair, b.scales, &sc1, &m1);
    kquant_scale_min(2 * pair + 1, b.scales, &sc2, &m2);
    return {d * sc1, dmin * m1, d * sc2, dmin * m2};
}

template <typename Block>
Block load_block(const uint8_t *p, size_t index) {
    Block b;
    std::memcpy(&b, p + index * sizeof(Block), sizeof b);
    return b;
}

}  // namespace

void kquant_scale_min(int j, const uint8_t *q, uint8_t *scale, uint8_t *min) {
    if (j < 4) {
        *scale = q[j] & 63;
        *min = q[j + 4] & 63;
    } else {
        *scale = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *min = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

void dequantize_q4_k(const void *src, float *y, size_t n) {
    for (size_t i = 0; i < n / kQK_K; ++i) {
        const BlockQ4_K b = load_block<BlockQ4_K>(static_cast<const uint8_t *>(src), i);
        for (int pair = 0; pair < 4; ++pair) {
            const uint8_t *q = b.qs + 32 * pair;
            const SubBlockPair s = sub_block_pair(b, pair);
            for (int l = 0; l < 32; ++l) *y++ = s.d1 * (q[l] & 0xF) - s.m1;
            for (int l = 0; l < 32; ++l) *y++ = s.d2 * (q[l] >> 4) - s.m2;
        }
    }
}

void dequantize_q5_k(const void *src, float *y, size_t n) {
    for (size_t i = 0; i < n / kQK_K; ++i) {
        const BlockQ5_K b = load_block<BlockQ5_K>(static_cast<const uint8_t *>(src), i);
        for (int pair = 0; pair < 4; ++pair) {
            const uint8_t *ql = b.qs + 32 * pair;
            const uint8_t u1 = (uint8_t)(1u << (2 * pair)), u2 = (uint8_t)(2u << (2 * pair));
            const SubBlockPair s = sub_block_pair(b, pair);
            for (int l = 0; l < 32; ++l) *y++ = s.d1 * ((ql[l] & 0xF) + (b.qh[l] & u1 ? 16 : 0)) - s.m1;
            for (int l = 0; l < 32; ++l) *y++ = s.d2 * ((ql[l] >> 4) + (b.qh[l] & u2 ? 16 : 0)) - s.m2;
        }
    }
}

void dequantize_q6_k(const void *src, float *y, size_t n) {
    for (size_t i = 0; i < n / kQK_K; ++i) {
        const BlockQ6_K b = load_block<BlockQ6_K>(static_cast<const uint8_t *>(src), i);
        const float d = fp16_to_fp32(b.d);
        for (int half = 0; half < 2; ++half) {
            const uint8_t *ql = b.ql + 64 * half;
            const uint8_t *qh = b.qh + 32 * half;
            const int8_t *sc = b.scales + 8 * half;
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[is] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
            y += 128;
        }
    }
}

void quantize_q4_k(const float *x, void *dst, size_t n) {
    uint8_t *p = static_cast<uint8_t *>(dst);
    for (size_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        BlockQ4_K b;
        uint8_t L[kQK_K];
        quantize_scale_min_block(x, &b, 15, -1.f, 0.1f, 20, L);
        for (int pair = 0; pair < 4; ++pair)
            for (int l = 0; l < 32; ++l) b.qs[32 * pair + l] = (uint8_t)(L[64 * pair + l] | (L[64 * pair + l + 32] << 4));
        std::memcpy(p + i * sizeof b, &b, sizeof b);
    }
}

void quantize_q5_k(const float *x, void *dst, size_t n) {
    uint8_t *p = static_cast<uint8_t *>(dst);
    for (size_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        BlockQ5_K b;
        uint8_t L[kQK_K];
        quantize_scale_min_block(x, &b, 31, -0.5f, 0.1f, 15, L);
        std::memset(b.qh, 0, sizeof b.qh);
        for (int pair = 0; pair < 4; ++pair) {
            for (int l = 0; l < 32; ++l) {
                int l1 = L[64 * pair + l], l2 = L[64 * pair + l + 32];
                if (l1 > 15) { l1 -= 16; b.qh[l] |= (uint8_t)(1u << (2 * pair)); }
                if (l2 > 15) { l2 -= 16; b.qh[l] |= (uint8_t)(2u << (2 * pair)); }
                b.qs[32 * pair + l] = (uint8_t)(l1 | (l2 << 4));
            }
        }
        std::memcpy(p + i * sizeof b, &b, sizeof b);
    }
}

void quantize_q6_k(const float *x, void *dst, size_t n) {
    uint8_t *p = static_cast<uint8_t *>(dst);
    for (size_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        BlockQ6_K b;
        std::memset(&b, 0, sizeof b);
        int8_t L[kQK_K];
        float scales[kQK_K / 16];
        float max_scale = 0, max_abs_scale = 0;
        for (int g = 0; g < kQK_K / 16; ++g) {
            scales[g] = make_qx_quants(16, 32, x + 16 * g, L + 16 * g);
            if (std::fabs(scales[g]) > max_abs_scale) {
                max_abs_scale = std::fabs(scales[g]);
                max_scale = scales[g];
            }
        }
        if (max_abs_scale >= kGroupMaxEps) {
            const float iscale = -128.f / max_scale;
            b.d = fp32_to_fp16(1 / iscale);
            for (int g = 0; g < kQK_K / 16; ++g) b.scales[g] = (int8_t)std::min(127, nearest_int(iscale * scales[g]));
            for (int g = 0; g < kQK_K / 16; ++g) {
                const float d = fp16_to_fp32(b.d) * b.scales[g];
                if (!d) continue;
                for (int ii = 0; ii < 16; ++ii)
                    L[16 * g + ii] = (int8_t)(std::max(-32, std::min(31, nearest_int(x[16 * g + ii] / d))) + 32);
            }
            for (int half = 0; half < 2; ++half) {
                const int8_t *Lh = L + 128 * half;
                for (int l = 0; l < 32; ++l) {
                    b.ql[64 * half + l] = (uint8_t)((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
                    b.ql[64 * half + l + 32] = (uint8_t)((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
                    b.qh[32 * half + l] = (uint8_t)((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                                    ((Lh[l + 96] >> 4) << 6));
                }
            }
        }
        std::memcpy(p + i * sizeof b, &b, sizeof b);
    }
}

}  // namespace moevk::model
