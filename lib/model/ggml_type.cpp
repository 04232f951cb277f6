// ggml_type.cpp — block sizes, exact dequantisation and ggml's reference quantisers for the supported types.
#include "model/ggml_type.h"

#include <cmath>
#include <algorithm>
#include <cstring>

#include "core/half.h"
#include "model/ggml_kquants.h"

namespace moevk::model {

bool is_supported_type(uint32_t raw_type) {
    switch (static_cast<GgmlType>(raw_type)) {
        case GgmlType::kF32:
        case GgmlType::kF16:
        case GgmlType::kQ4_0:
        case GgmlType::kQ8_0:
        case GgmlType::kQ4_K:
        case GgmlType::kQ5_K:
        case GgmlType::kQ6_K:
        case GgmlType::kBF16:
            return true;
    }
    return false;
}

std::string type_name(uint32_t raw_type) {
    // Names of ggml.c's type_traits, so messages match what users see in llama.cpp.
    static const char *const kNames[] = {
        "f32",  "f16",  "q4_0", "q4_1", "q4_2", "q4_3", "q5_0", "q5_1", "q8_0", "q8_1",
        "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "q8_K", "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s",
        "iq4_nl", "iq3_s", "iq2_s", "iq4_xs", "i8", "i16", "i32", "i64", "f64", "iq1_m",
        "bf16", "q4_0_4_4", "q4_0_4_8", "q4_0_8_8", "tq1_0", "tq2_0", "iq4_nl_4_4", "iq4_nl_4_8", "iq4_nl_8_8",
        "mxfp4"};
    if (raw_type < sizeof(kNames) / sizeof(kNames[0])) return kNames[raw_type];
    return "type " + std::to_string(raw_type);
}

uint32_t block_elements(GgmlType type) {
    switch (type) {
        case GgmlType::kQ4_0: return kQK4_0;
        case GgmlType::kQ8_0: return kQK8_0;
        case GgmlType::kQ4_K:
        case GgmlType::kQ5_K:
        case GgmlType::kQ6_K: return kQK_K;
        default: return 1;
    }
}

uint32_t block_bytes(GgmlType type) {
    switch (type) {
        case GgmlType::kF32: return 4;
        case GgmlType::kF16: return 2;
        case GgmlType::kBF16: return 2;
        case GgmlType::kQ4_0: return sizeof(BlockQ4_0);
        case GgmlType::kQ8_0: return sizeof(BlockQ8_0);
        case GgmlType::kQ4_K: return sizeof(BlockQ4_K);
        case GgmlType::kQ5_K: return sizeof(BlockQ5_K);
        case GgmlType::kQ6_K: return sizeof(BlockQ6_K);
    }
    return 0;
}

std::optional<uint64_t> row_bytes(GgmlType type, uint64_t ne0) {
    uint64_t be = block_elements(type);
    if (ne0 % be != 0) return std::nullopt;
    uint64_t out;
    if (__builtin_mul_overflow(ne0 / be, (uint64_t)block_bytes(type), &out)) return std::nullopt;
    return out;
}

void dequantize_row(GgmlType type, const void *src, float *dst, size_t n) {
    const uint8_t *p = static_cast<const uint8_t *>(src);
    switch (type) {
        case GgmlType::kF32:
            std::memcpy(dst, p, n * 4);
            return;
        case GgmlType::kF16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + 2 * i, 2);
                dst[i] = fp16_to_fp32(h);
            }
            return;
        case GgmlType::kBF16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + 2 * i, 2);
                dst[i] = bf16_to_fp32(h);
            }
            return;
        case GgmlType::kQ4_0:
            for (size_t b = 0; b < n / kQK4_0; ++b) {
                BlockQ4_0 blk;
                std::memcpy(&blk, p + b * sizeof(BlockQ4_0), sizeof blk);
                const float d = fp16_to_fp32(blk.d);
                for (int j = 0; j < kQK4_0 / 2; ++j) {
                    dst[b * kQK4_0 + j] = (float)((blk.qs[j] & 0x0f) - 8) * d;
                    dst[b * kQK4_0 + j + kQK4_0 / 2] = (float)((blk.qs[j] >> 4) - 8) * d;
                }
            }
            return;
        case GgmlType::kQ8_0:
            for (size_t b = 0; b < n / kQK8_0; ++b) {
                BlockQ8_0 blk;
                std::memcpy(&blk, p + b * sizeof(BlockQ8_0), sizeof blk);
                const float d = fp16_to_fp32(blk.d);
                for (int j = 0; j < kQK8_0; ++j) dst[b * kQK8_0 + j] = (float)blk.qs[j] * d;
            }
            return;
        case GgmlType::kQ4_K: dequantize_q4_k(p, dst, n); return;
        case GgmlType::kQ5_K: dequantize_q5_k(p, dst, n); return;
        case GgmlType::kQ6_K: dequantize_q6_k(p, dst, n); return;
    }
}

void quantize_row(GgmlType type, const float *src, void *dst, size_t n) {
    uint8_t *p = static_cast<uint8_t *>(dst);
    switch (type) {
        case GgmlType::kF32:
            std::memcpy(p, src, n * 4);
            return;
        case GgmlType::kF16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h = fp32_to_fp16(src[i]);
                std::memcpy(p + 2 * i, &h, 2);
            }
            return;
        case GgmlType::kBF16:
            for (size_t i = 0; i < n; ++i) {
                uint16_t h = fp32_to_bf16(src[i]);
                std::memcpy(p + 2 * i, &h, 2);
            }
            return;
        case GgmlType::kQ4_0:
            // ggml's quantize_row_q4_0_ref: the value of largest magnitude maps to -8.
            for (size_t b = 0; b < n / kQK4_0; ++b) {
                const float *x = src + b * kQK4_0;
                float amax = 0.0f, max = 0.0f;
                for (int j = 0; j < kQK4_0; ++j) {
                    if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
                }
                const float d = max / -8.0f;
                const float id = d != 0.0f ? 1.0f / d : 0.0f;
                BlockQ4_0 blk;
                blk.d = fp32_to_fp16(d);
                for (int j = 0; j < kQK4_0 / 2; ++j) {
                    const float x0 = x[j] * id, x1 = x[kQK4_0 / 2 + j] * id;
                    const uint8_t q0 = (uint8_t)std::min(15, (int)(int8_t)(x0 + 8.5f));
                    const uint8_t q1 = (uint8_t)std::min(15, (int)(int8_t)(x1 + 8.5f));
                    blk.qs[j] = (uint8_t)(q0 | (q1 << 4));
                }
                std::memcpy(p + b * sizeof blk, &blk, sizeof blk);
            }
            return;
        case GgmlType::kQ8_0:
            // ggml's quantize_row_q8_0_ref.
            for (size_t b = 0; b < n / kQK8_0; ++b) {
                const float *x = src + b * kQK8_0;
                float amax = 0.0f;
                for (int j = 0; j < kQK8_0; ++j) amax = std::max(amax, std::fabs(x[j]));
                const float d = amax / 127.0f;
                const float id = d != 0.0f ? 1.0f / d : 0.0f;
                BlockQ8_0 blk;
                blk.d = fp32_to_fp16(d);
                for (int j = 0; j < kQK8_0; ++j) blk.qs[j] = (int8_t)std::lround(x[j] * id);
                std::memcpy(p + b * sizeof blk, &blk, sizeof blk);
            }
            return;
        case GgmlType::kQ4_K: quantize_q4_k(src, p, n); return;
        case GgmlType::kQ5_K: quantize_q5_k(src, p, n); return;
        case GgmlType::kQ6_K: quantize_q6_k(src, p, n); return;
    }
}

}  // namespace moevk::model
