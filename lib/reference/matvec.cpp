// matvec.cpp — reference y = W x for GGUF weight rows of any supported type. Each row is dequantised
// exactly (model::dequantize_row) into a scratch buffer and dotted with x in float64; no blocking, no SIMD.
#include <cassert>
#include <vector>

#include "reference/ops.h"

namespace moevk::reference {

double dot_f64(const float *a, const float *b, size_t n) {
    double acc = 0.0;
    for (size_t i = 0; i < n; ++i) acc += (double)a[i] * (double)b[i];
    return acc;
}

void matvec(model::GgmlType type, const void *w, size_t n_rows, size_t n_cols, const float *x, float *y) {
    const auto row_bytes = model::row_bytes(type, n_cols);
    assert(row_bytes.has_value() && "n_cols must be a multiple of the type's block size");
    const uint8_t *rows = static_cast<const uint8_t *>(w);
    std::vector<float> row(n_cols);  // one row at a time: never the whole matrix in RAM
    for (size_t r = 0; r < n_rows; ++r) {
        model::dequantize_row(type, rows + r * *row_bytes, row.data(), n_cols);
        y[r] = (float)dot_f64(row.data(), x, n_cols);
    }
}

}  // namespace moevk::reference
