// matmul_util.h — the mat-mul of the oracle tests (matmul_test, matmul_tiled_test): record_matmul on the
// GPU with a given kernel set, the reference, and the tier of a weight type.
#pragma once

#include <vector>

#include "oracle/oracle_util.h"

namespace moevk::test {

double tier_for(model::GgmlType type);

// y = W x for n_tokens tokens on the GPU (x: n_tokens * n_cols floats); y_init: accumulate onto it.
std::vector<float> gpu_matmul(session::GpuKernels &kernels, vulkan::CommandStream &stream, const HostMatrix &m,
                              const std::vector<float> &x, uint32_t n_tokens, const std::vector<float> *y_init = nullptr);

std::vector<float> ref_matmul(const HostMatrix &m, const std::vector<float> &x, uint32_t n_tokens);

}  // namespace moevk::test
