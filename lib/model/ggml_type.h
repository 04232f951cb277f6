// ggml_type.h — the tensor element types moevk reads from GGUF, with ggml's numbering and block layouts.
// Quantised types are stored in blocks along ne[0] (the contiguous dimension). Dequantisation here is exact
// and is what the CPU reference and the tests use; the GPU decodes the same layouts in kernels/common/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace moevk::model {

// ggml_type values (ggml.h). Only the supported ones are named; any other value is refused at load.
enum class GgmlType : uint32_t {
    kF32 = 0,
    kF16 = 1,
    kQ4_0 = 2,
    kQ8_0 = 8,
    kQ4_K = 12,
    kQ5_K = 13,
    kQ6_K = 14,
    kBF16 = 30,
};

// Block layouts exactly as ggml stores them (little-endian, packed).
constexpr int kQK4_0 = 32;
struct BlockQ4_0 {
    uint16_t d;              // fp16 scale
    uint8_t qs[kQK4_0 / 2];  // element j in low nibble of qs[j], element j+16 in high nibble; value (q-8)*d
};
static_assert(sizeof(BlockQ4_0) == 18, "ggml block_q4_0 is 18 bytes");

constexpr int kQK8_0 = 32;
struct BlockQ8_0 {
    uint16_t d;          // fp16 scale
    int8_t qs[kQK8_0];   // value q*d
};
static_assert(sizeof(BlockQ8_0) == 34, "ggml block_q8_0 is 34 bytes");

// K-quants: super-blocks of 256 values in 8 (Q4_K, Q5_K) or 16 (Q6_K) sub-blocks with their own scales.
// Layouts and decoding in model/ggml_kquants.h.
constexpr int kQK_K = 256;

// True for the types this build can load.
bool is_supported_type(uint32_t raw_type);
// Name as ggml prints it ("q4_0"), or "type <n>" for an unknown value.
std::string type_name(uint32_t raw_type);
// Elements per block (1 for float types) and bytes per block.
uint32_t block_elements(GgmlType type);
uint32_t block_bytes(GgmlType type);
// Bytes of a row of ne0 elements; nullopt when ne0 is not a multiple of the block size.
std::optional<uint64_t> row_bytes(GgmlType type, uint64_t ne0);

// Dequantise n elements (n a multiple of block_elements) starting at a block boundary. Exact.
void dequantize_row(GgmlType type, const void *src, float *dst, size_t n);
// Quantise n elements (n a multiple of block_elements) the way ggml's reference quantiser does.
void quantize_row(GgmlType type, const float *src, void *dst, size_t n);

}  // namespace moevk::model
