// matmul_util.cpp — see matmul_util.h.
#include "oracle/matmul_util.h"

#include "reference/ops.h"

namespace moevk::test {

using session::GpuActivations;
using session::GpuMatrix;
using session::MatmulOp;

double tier_for(model::GgmlType type) { return type == model::GgmlType::kF32 ? kNmseF32Weights : kNmseQuantWeights; }

std::vector<float> gpu_matmul(session::GpuKernels &kernels, vulkan::CommandStream &stream, const HostMatrix &m,
                              const std::vector<float> &x, uint32_t n_tokens, const std::vector<float> *y_init) {
    auto w = upload_vector(m.bytes, "w");
    auto xb = upload_vector(x, "x");
    std::vector<float> y0 = y_init ? *y_init : std::vector<float>((size_t)n_tokens * m.n_rows + 1, 0.0f);
    auto yb = upload_vector(y0, "y");
    MatmulOp op;
    op.w = GpuMatrix{w.get(), 0, m.type, m.n_rows, m.n_cols, m.row_bytes};
    op.x = GpuActivations{xb.get(), 0, m.n_cols};
    op.y = GpuActivations{yb.get(), 0, m.n_rows};
    op.n_tokens = n_tokens;
    op.accumulate = y_init != nullptr;
    run_on(kernels, stream, [&](session::GpuRecorder &rec) { return session::record_matmul(rec, op); });
    std::vector<float> y = download_vector<float>(*yb, (size_t)n_tokens * m.n_rows);
    return y;
}

std::vector<float> ref_matmul(const HostMatrix &m, const std::vector<float> &x, uint32_t n_tokens) {
    std::vector<float> y((size_t)n_tokens * m.n_rows);
    for (uint32_t t = 0; t < n_tokens; ++t)
        reference::matvec(m.type, m.bytes.data(), m.n_rows, m.n_cols, x.data() + (size_t)t * m.n_cols,
                          y.data() + (size_t)t * m.n_rows);
    return y;
}

}  // namespace moevk::test
