// matmul_norm_test.cpp — matmul_norm (RMSNorm folded into the mat-vec, decode) against rms_norm followed by
// matmul: the same bits for y and the stored h, for every weight type, 1 to 4 tokens (one token tile) and
// a row count that is not a multiple of the rows per workgroup; against the reference (rms_norm then
// matvec) in the mat-vec tier; batch invariance; the row-chunked binding of a small binding limit.
#include <gtest/gtest.h>

#include "oracle/matmul_util.h"
#include "oracle/oracle_util.h"
#include "reference/ops.h"

namespace moevk::test {
namespace {

constexpr float kEps = 1e-6f;

struct NormedResult {
    std::vector<float> y, h;
};

// fused: record_matmul_norm (h stored); otherwise record_rms_norm into h, then record_matmul.
NormedResult gpu_normed(session::GpuKernels &kernels, vulkan::CommandStream &stream, const HostMatrix &m,
                        const std::vector<float> &x, const std::vector<float> &nw, uint32_t n_tokens, bool fused) {
    const vulkan::Device &dev = kernels.device();
    auto make = [&](const void *data, size_t size, const char *name) {
        auto b = vulkan::Buffer::create(dev, size, vulkan::MemoryUse::kDevice, name).value();
        EXPECT_TRUE(b->upload(0, data, size).is_ok());
        return b;
    };
    auto wb = make(m.bytes.data(), m.bytes.size(), "w");
    auto xb = make(x.data(), x.size() * 4, "x");
    auto nb = make(nw.data(), nw.size() * 4, "norm_w");
    std::vector<float> zeros_y((size_t)n_tokens * m.n_rows + 1), zeros_h(x.size() + 1);
    auto yb = make(zeros_y.data(), zeros_y.size() * 4, "y");
    auto hb = make(zeros_h.data(), zeros_h.size() * 4, "h");
    const session::GpuMatrix w{wb.get(), 0, m.type, m.n_rows, m.n_cols, m.row_bytes};
    run_on(kernels, stream, [&](session::GpuRecorder &rec) {
        if (fused) {
            session::MatmulNormOp op;
            op.w = w;
            op.x = {xb.get(), 0, m.n_cols};
            op.norm_weight = nb.get();
            op.eps = kEps;
            op.y = {yb.get(), 0, m.n_rows};
            op.h = {hb.get(), 0, m.n_cols};
            op.n_tokens = n_tokens;
            return session::record_matmul_norm(rec, op);
        }
        session::RmsNormOp norm;
        norm.x = {xb.get(), 0, m.n_cols};
        norm.y = {hb.get(), 0, m.n_cols};
        norm.weight = nb.get();
        norm.n_tokens = n_tokens;
        norm.n_cols = m.n_cols;
        norm.eps = kEps;
        MOEVK_RETURN_IF_ERROR(session::record_rms_norm(rec, norm));
        session::MatmulOp mm;
        mm.w = w;
        mm.x = {hb.get(), 0, m.n_cols};
        mm.y = {yb.get(), 0, m.n_rows};
        mm.n_tokens = n_tokens;
        return session::record_matmul(rec, mm);
    });
    return {download_vector<float>(*yb, (size_t)n_tokens * m.n_rows), download_vector<float>(*hb, x.size())};
}

std::vector<float> ref_normed(const HostMatrix &m, const std::vector<float> &x, const std::vector<float> &nw,
                              uint32_t n_tokens) {
    std::vector<float> h(x.size());
    for (uint32_t t = 0; t < n_tokens; ++t)
        reference::rms_norm(x.data() + (size_t)t * m.n_cols, nw.data(), h.data() + (size_t)t * m.n_cols, m.n_cols, kEps);
    return ref_matmul(m, h, n_tokens);
}

std::vector<model::GgmlType> every_type() {
    std::vector<model::GgmlType> types(std::begin(kAllWeightTypes), std::end(kAllWeightTypes));
    types.insert(types.end(), std::begin(kKQuantWeightTypes), std::end(kKQuantWeightTypes));
    return types;
}

TEST(MatmulNorm, EveryTypeBitIdenticalToNormThenMatmulAndMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : every_type()) {
        const uint32_t n_cols = model::block_elements(type) == 256 ? 512 : 160, n_rows = 75;
        HostMatrix m = random_matrix(type, n_rows, n_cols, 91);
        const std::vector<float> nw = random_floats(n_cols, 92);
        for (uint32_t n_tokens = 1; n_tokens <= 4; ++n_tokens) {
            const std::vector<float> x = random_floats((size_t)n_tokens * n_cols, 93 + n_tokens, 2.0f);
            const std::string what = type_str(type) + " tokens " + std::to_string(n_tokens);
            const NormedResult fused = gpu_normed(test_kernels(), *env.stream, m, x, nw, n_tokens, true);
            const NormedResult split = gpu_normed(test_kernels(), *env.stream, m, x, nw, n_tokens, false);
            expect_bit_identical(fused.y, split.y, "y " + what);
            expect_bit_identical(fused.h, split.h, "h " + what);
            expect_nmse(fused.y, ref_normed(m, x, nw, n_tokens), tier_for(type), what);
            const std::vector<float> last(x.end() - n_cols, x.end());
            expect_bit_identical(gpu_normed(test_kernels(), *env.stream, m, last, nw, 1, true).y,
                                 std::vector<float>(fused.y.end() - n_rows, fused.y.end()), what + " last token alone");
        }
    }
}

TEST(MatmulNorm, SmallBindingLimitChunksRowsWithSameResult) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 16 * 1024;  // 300 q8_0 rows of 160 values (170 bytes each) need several chunks
    auto small = vulkan::Device::open(opts).value();
    session::GpuKernels small_kernels(*small, test_tuning());
    auto small_stream = vulkan::CommandStream::create(*small).value();
    HostMatrix m = random_matrix(model::GgmlType::kQ8_0, 300, 160, 95);
    const std::vector<float> nw = random_floats(160, 96), x = random_floats(2 * 160, 97);
    const NormedResult chunked = gpu_normed(small_kernels, *small_stream, m, x, nw, 2, true);
    EXPECT_GT(small_stream->n_dispatches(), 1u);
    const NormedResult whole = gpu_normed(test_kernels(), *env.stream, m, x, nw, 2, true);
    expect_bit_identical(chunked.y, whole.y, "chunked y");
    expect_bit_identical(chunked.h, whole.h, "chunked h");
}

TEST(MatmulNorm, WithoutNormWeightIsAnError) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    auto dummy = zero_buffer(4096, "d");
    session::MatmulNormOp op;
    op.w = {dummy.get(), 0, model::GgmlType::kF32, 4, 32, 128};
    op.x = op.y = {dummy.get(), 0, 32};
    op.n_tokens = 1;
    session::GpuRecorder rec{test_kernels(), *env.stream};
    ASSERT_TRUE(env.stream->begin().is_ok());
    EXPECT_EQ(session::record_matmul_norm(rec, op).code(), StatusCode::kInternal);
    EXPECT_EQ(env.stream->n_dispatches(), 0u);
    ASSERT_TRUE(env.stream->submit_and_wait().is_ok());
}

}  // namespace
}  // namespace moevk::test
