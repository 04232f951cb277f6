// tensor_access.cpp — reading model tensors for the reference forward passes (see tensor_access.h).
#include "reference/tensor_access.h"

#include <stdexcept>
#include <string>

#include "reference/ops.h"

namespace moevk::reference {

uint64_t row_bytes_of(model::GgmlType type, uint64_t n_cols) {
    auto bytes = model::row_bytes(type, n_cols);
    if (!bytes) throw std::invalid_argument("reference: row of " + std::to_string(n_cols) + " elements is not whole blocks");
    return *bytes;
}

std::vector<float> dequantize_tensor(const model::Model &m, const model::TensorInfo &t) {
    std::vector<float> out(t.n_elements());
    model::dequantize_row(t.type, m.data(t), out.data(), out.size());
    return out;
}

void matvec_tensor(const model::Model &m, const model::TensorInfo &w, const float *x, float *y) {
    matvec(w.type, m.data(w), w.ne[1], w.ne[0], x, y);
}

const uint8_t *expert_slice(const model::Model &m, const model::TensorInfo &w, uint32_t e) {
    return m.data(w) + (uint64_t)e * w.ne[1] * row_bytes_of(w.type, w.ne[0]);
}

}  // namespace moevk::reference
