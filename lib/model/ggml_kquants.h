// ggml_kquants.h — ggml's K-quant super-blocks (Q4_K, Q5_K, Q6_K): block layouts exactly as ggml-common.h
// stores them, exact dequantisation (ggml's dequantize_row_q*_K) and ggml's reference quantisers
// (quantize_row_q*_K_ref, with make_qkx2_quants / make_qx_quants), so generated files look like real ones.
// Values are laid out in 32-value sub-blocks (Q6_K: 16-value scale groups) in element order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/ggml_type.h"

namespace moevk::model {

// Q4_K: 8 sub-blocks of 32 values; value = d * sc[j] * q - dmin * m[j], q in 0..15. The 6-bit sc/m pairs
// are packed in scales[12] (kquant_scale_min). Sub-blocks 2i and 2i+1 share qs[32i .. 32i+31]: low
// nibbles for 2i, high nibbles for 2i+1.
struct BlockQ4_K {
    uint16_t d;                 // fp16 super-block scale of the sub-block scales
    uint16_t dmin;              // fp16 super-block scale of the sub-block mins
    uint8_t scales[12];         // 8 x (6-bit scale, 6-bit min)
    uint8_t qs[kQK_K / 2];      // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144, "ggml block_q4_K is 144 bytes");

// Q5_K: Q4_K plus a fifth bit per value: bit (2i) of qh[l] for value l of sub-block 2i, bit (2i+1) for
// sub-block 2i+1. q in 0..31.
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[12];
    uint8_t qh[kQK_K / 8];      // high bits
    uint8_t qs[kQK_K / 2];      // low 4 bits, shared between sub-block pairs as in Q4_K
};
static_assert(sizeof(BlockQ5_K) == 176, "ggml block_q5_K is 176 bytes");

// Q6_K: 16 groups of 16 values with int8 scales; value = d * scales[g] * (q - 32), q in 0..63. Each half
// (128 values) uses ql[64h .. 64h+63] and qh[32h .. 32h+31]: value 32k + l of the half (k = 0..3, l =
// 0..31) has low 4 bits in ql[l + 32 (k & 1)] (low nibble for k < 2, high for k >= 2) and high 2 bits at
// bit 2k of qh[l]. The fp16 d comes last.
struct BlockQ6_K {
    uint8_t ql[kQK_K / 2];
    uint8_t qh[kQK_K / 4];
    int8_t scales[kQK_K / 16];
    uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210, "ggml block_q6_K is 210 bytes");

// ggml's get_scale_min_k4: 6-bit scale and min of sub-block j (0..7) from a Q4_K/Q5_K scales[12].
void kquant_scale_min(int j, const uint8_t *scales, uint8_t *scale, uint8_t *min);

// Dequantise n values (a multiple of 256) starting at a super-block boundary. Exact.
void dequantize_q4_k(const void *src, float *dst, size_t n);
void dequantize_q5_k(const void *src, float *dst, size_t n);
void dequantize_q6_k(const void *src, float *dst, size_t n);

// ggml's reference quantisers (no importance matrix).
void quantize_q4_k(const float *src, void *dst, size_t n);
void quantize_q5_k(const float *src, void *dst, size_t n);
void quantize_q6_k(const float *src, void *dst, size_t n);

}  // namespace moevk::model
