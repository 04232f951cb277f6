// weight_fill.h — deterministic random weights: element i of a tensor is a pure function of (seed, tensor
// name, i), so the bytes do not depend on thread count or chunking, and the same seed gives the same
// underlying floats in every weight type. Converts/quantises rows into the tensor's GGUF layout.
#pragma once

#include <cstdint>
#include <string>

#include "model/ggml_type.h"

namespace moevk::gen {

// How values are drawn (uniform distributions, so the scale is exact):
//  kMatrix: std 1/sqrt(ne0) — ne0 is the input dim, so y = W·x keeps activations O(1) layer after layer;
//  kRouter: std 2/sqrt(ne0) — wider router logits, so the softmax top-k rarely has near-ties;
//  kNorm:   1 + uniform(-0.1, 0.1);
//  kDecay:  -0.55 + uniform(-0.45, 0.45), in [-1, -0.1]: the hybrid models' ssm_a = -exp(A_log), negative so
//           the recurrent state decays (exp(g) < 1) and the recurrence stays stable.
enum class InitKind { kMatrix, kRouter, kNorm, kDecay };

struct TensorFill {
    uint64_t stream_key = 0;  // from seed and tensor name (fill_key)
    model::GgmlType type = model::GgmlType::kF32;
    uint64_t ne0 = 0;         // row length in elements
    InitKind kind = InitKind::kMatrix;
};

uint64_t fill_key(uint64_t seed, const std::string &tensor_name);
// The float value of element `index` (row-major over ne) before conversion to the tensor's type.
float fill_value(const TensorFill &fill, uint64_t index);
// Writes rows [row_begin, row_end) in the tensor's type to dst (dst holds row_begin).
void fill_rows(const TensorFill &fill, uint64_t row_begin, uint64_t row_end, uint8_t *dst);
// Same, split over up to n_threads threads (small ranges run on the calling thread).
void fill_rows_parallel(const TensorFill &fill, uint64_t row_begin, uint64_t row_end, uint8_t *dst,
                        unsigned n_threads);

}  // namespace moevk::gen
