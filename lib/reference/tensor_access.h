// tensor_access.h — how the reference forward passes read model tensors: whole small tensors dequantised,
// mat-vecs over a 2-D tensor, and one expert's slice of a stacked expert tensor. Internal to lib/reference.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.h"

namespace moevk::reference {

// Bytes of a row of n_cols elements; throws std::invalid_argument when the row is not whole blocks.
uint64_t row_bytes_of(model::GgmlType type, uint64_t n_cols);
// Every element of t as float (for 1-D norm weights and other small tensors).
std::vector<float> dequantize_tensor(const model::Model &m, const model::TensorInfo &t);
// y = W x for a whole 2-D tensor W [n_cols, n_rows] (GGUF ne order); a 1-D tensor is one row.
void matvec_tensor(const model::Model &m, const model::TensorInfo &w, const float *x, float *y);
// Start of expert e in a stacked expert tensor [n_cols, n_rows, n_expert]: experts are contiguous slices.
const uint8_t *expert_slice(const model::Model &m, const model::TensorInfo &w, uint32_t e);

}  // namespace moevk::reference
