// matmul_test.cpp — the matmul kernel against reference::matvec for every weight type, on shapes that are
// not multiples of the workgroup or token tile; the residual-add mode; batch invariance; and the
// row-chunked binding a small binding limit forces.
#include <gtest/gtest.h>

#include "oracle/matmul_util.h"
#include "oracle/oracle_util.h"
#include "reference/ops.h"

namespace moevk::test {
namespace {

using session::GpuActivations;
using session::GpuMatrix;
using session::MatmulOp;

TEST(Matmul, EveryTypeAndShapeMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) {
        for (uint32_t n_cols : {96u, 160u, 320u}) {
            const uint32_t n_rows = 300;
            for (uint32_t n_tokens : {1u, 5u, 13u}) {
                HostMatrix m = random_matrix(type, n_rows, n_cols, 11 + n_cols);
                std::vector<float> x = random_floats((size_t)n_tokens * n_cols, 3 + n_tokens);
                const std::string what = type_str(type) + " " + std::to_string(n_rows) + "x" + std::to_string(n_cols) +
                                         " tokens " + std::to_string(n_tokens);
                expect_nmse(gpu_matmul(test_kernels(), *env.stream, m, x, n_tokens), ref_matmul(m, x, n_tokens),
                            tier_for(type), what);
            }
        }
    }
}

TEST(Matmul, KQuantsMatchReferenceAndAreBatchInvariant) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kKQuantWeightTypes) {
        for (uint32_t n_cols : {256u, 768u}) {  // one super-block per row; three (more units than lanes)
            const uint32_t n_rows = 300, n_tokens = 5;
            HostMatrix m = random_matrix(type, n_rows, n_cols, 61 + n_cols);
            std::vector<float> x = random_floats((size_t)n_tokens * n_cols, 62);
            const std::string what = type_str(type) + " " + std::to_string(n_rows) + "x" + std::to_string(n_cols);
            std::vector<float> batch = gpu_matmul(test_kernels(), *env.stream, m, x, n_tokens);
            expect_nmse(batch, ref_matmul(m, x, n_tokens), kNmseQuantWeights, what);
            std::vector<float> last(x.end() - n_cols, x.end());
            expect_bit_identical(std::vector<float>(batch.end() - n_rows, batch.end()),
                                 gpu_matmul(test_kernels(), *env.stream, m, last, 1), what + " last token alone");
        }
    }
}

// The vec4 activation loads (GPU default) and the scalar ones (lavapipe's) add the same products in the
// same order. Both paths must meet the mat-vec tier on every device. Bit-identity is asserted on CPU devices
// only: a GPU compiler may contract the two loops into fused multiply-adds differently (NVIDIA's does), and
// no result depends on it, since a device always uses one path (GpuKernels picks it per device type).
TEST(Matmul, Vec4AndScalarActivationLoadsAgree) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuKernelTuning vec4, scalar;
    vec4.vec4_activation_loads = true;
    scalar.vec4_activation_loads = false;
    session::GpuKernels vec4_kernels(*env.device, vec4), scalar_kernels(*env.device, scalar);
    const bool cpu_device = env.device->info().type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    std::vector<model::GgmlType> types(std::begin(kAllWeightTypes), std::end(kAllWeightTypes));
    types.insert(types.end(), std::begin(kKQuantWeightTypes), std::end(kKQuantWeightTypes));
    for (model::GgmlType type : types) {
        const uint32_t n_cols = model::block_elements(type) == 256 ? 512 : 160;
        HostMatrix m = random_matrix(type, 70, n_cols, 71);
        std::vector<float> x = random_floats(3 * n_cols, 72);
        const std::vector<float> y_vec4 = gpu_matmul(vec4_kernels, *env.stream, m, x, 3);
        const std::vector<float> y_scalar = gpu_matmul(scalar_kernels, *env.stream, m, x, 3);
        const std::vector<float> y_ref = ref_matmul(m, x, 3);
        expect_nmse(y_vec4, y_ref, tier_for(type), "vec4 " + type_str(type));
        expect_nmse(y_scalar, y_ref, tier_for(type), "scalar " + type_str(type));
        // with wide loads f32 rows take units of 4 columns and the quantised rows 8-element slices (another
        // summation order per lane): the tier only; f16 and bf16 keep their order
        const bool order_differs = type != model::GgmlType::kF16 && type != model::GgmlType::kBF16;
        if (cpu_device && !order_differs)
            expect_bit_identical(y_vec4, y_scalar, "vec4 vs scalar " + type_str(type));
    }
}

// Q4_K rows are read as aligned words: a view whose rows start off a word boundary is refused, not misread.
TEST(Matmul, MisalignedWordFormatRowsAreRefused) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    HostMatrix m = random_matrix(model::GgmlType::kQ4_K, 4, 256, 81);
    std::vector<uint8_t> shifted(2, 0);
    shifted.insert(shifted.end(), m.bytes.begin(), m.bytes.end());
    shifted.resize(shifted.size() + 2, 0);
    auto w = upload_vector(shifted, "w");
    auto xb = upload_vector(std::vector<float>(256, 1.0f), "x");
    auto yb = zero_buffer(4 * 4, "y");
    MatmulOp op;
    op.w = GpuMatrix{w.get(), 2, m.type, m.n_rows, m.n_cols, m.row_bytes};
    op.x = GpuActivations{xb.get(), 0, m.n_cols};
    op.y = GpuActivations{yb.get(), 0, m.n_rows};
    op.n_tokens = 1;
    ASSERT_TRUE(env.stream->begin().is_ok());
    session::GpuRecorder rec{test_kernels(), *env.stream};
    const Status s = session::record_matmul(rec, op);
    EXPECT_EQ(s.code(), StatusCode::kInternal);
    EXPECT_NE(s.message().find("4-byte aligned"), std::string::npos) << s.message();
    ASSERT_TRUE(env.stream->submit_and_wait().is_ok());
}

TEST(Matmul, TokenTilesOfFourMatchReferenceAndAreBatchInvariant) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuKernelTuning tuning = test_tuning();
    tuning.matmul_token_tile = 4;  // the GPU default; lavapipe's is 1
    session::GpuKernels kernels(*env.device, tuning);
    for (model::GgmlType type : kAllWeightTypes) {
        HostMatrix m = random_matrix(type, 300, 160, 51);
        std::vector<float> x = random_floats(13 * 160, 52);  // 3 full tiles and one of 1
        std::vector<float> batch = gpu_matmul(kernels, *env.stream, m, x, 13);
        expect_nmse(batch, ref_matmul(m, x, 13), tier_for(type), "tile 4 " + type_str(type));
        for (uint32_t t : {0u, 6u, 12u}) {
            std::vector<float> one(x.begin() + t * 160, x.begin() + (t + 1) * 160);
            expect_bit_identical(std::vector<float>(batch.begin() + t * 300, batch.begin() + (t + 1) * 300),
                                 gpu_matmul(kernels, *env.stream, m, one, 1), "tile 4 token " + std::to_string(t));
        }
    }
}

TEST(Matmul, ZeroTokensWritesNothing) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    HostMatrix m = random_matrix(model::GgmlType::kQ4_0, 40, 64, 1);
    std::vector<float> x(64, 1.0f);
    std::vector<float> sentinel(41, 7.0f);
    std::vector<float> y = gpu_matmul(test_kernels(), *env.stream, m, x, 0, &sentinel);
    EXPECT_TRUE(y.empty());
}

TEST(Matmul, AccumulateAddsTheResidual) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) {
        HostMatrix m = random_matrix(type, 300, 160, 21);
        const uint32_t n_tokens = 3;
        std::vector<float> x = random_floats(3 * 160, 22);
        std::vector<float> resid = random_floats(3 * 300 + 1, 23);
        std::vector<float> ref = ref_matmul(m, x, n_tokens);
        for (size_t i = 0; i < ref.size(); ++i) ref[i] += resid[i];
        expect_nmse(gpu_matmul(test_kernels(), *env.stream, m, x, n_tokens, &resid), ref, tier_for(type),
                    "accumulate " + type_str(type));
    }
}

TEST(Matmul, BatchInvariant) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) {
        HostMatrix m = random_matrix(type, 300, 320, 31);
        std::vector<float> x = random_floats(5 * 320, 32);
        std::vector<float> batch = gpu_matmul(test_kernels(), *env.stream, m, x, 5);
        for (uint32_t t = 0; t < 5; ++t) {
            std::vector<float> one(x.begin() + t * 320, x.begin() + (t + 1) * 320);
            std::vector<float> single = gpu_matmul(test_kernels(), *env.stream, m, one, 1);
            expect_bit_identical(std::vector<float>(batch.begin() + t * 300, batch.begin() + (t + 1) * 300), single,
                                 type_str(type) + " token " + std::to_string(t));
        }
    }
}

TEST(Matmul, SmallBindingLimitChunksRowsWithSameResult) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 4096;  // a few rows per chunk
    auto small = vulkan::Device::open(opts);
    ASSERT_TRUE(small.is_ok()) << small.status().message();
    session::GpuKernels kernels(*small.value(), test_tuning());
    auto stream = vulkan::CommandStream::create(*small.value());
    ASSERT_TRUE(stream.is_ok());
    for (model::GgmlType type : kAllWeightTypes) {
        HostMatrix m = random_matrix(type, 300, 160, 41);
        std::vector<float> x = random_floats(2 * 160, 42);
        std::vector<float> chunked;
        {
            // buffers of the small-limit device must be made on it
            auto w = vulkan::Buffer::create(*small.value(), m.bytes.size(), vulkan::MemoryUse::kDevice, "w").value();
            auto xb = vulkan::Buffer::create(*small.value(), x.size() * 4, vulkan::MemoryUse::kDevice, "x").value();
            auto yb = vulkan::Buffer::create(*small.value(), 2 * 300 * 4, vulkan::MemoryUse::kDevice, "y").value();
            ASSERT_TRUE(w->upload(0, m.bytes.data(), m.bytes.size()).is_ok());
            ASSERT_TRUE(xb->upload(0, x.data(), x.size() * 4).is_ok());
            MatmulOp op;
            op.w = GpuMatrix{w.get(), 0, m.type, m.n_rows, m.n_cols, m.row_bytes};
            op.x = GpuActivations{xb.get(), 0, m.n_cols};
            op.y = GpuActivations{yb.get(), 0, m.n_rows};
            op.n_tokens = 2;
            run_on(kernels, *stream.value(), [&](session::GpuRecorder &rec) { return session::record_matmul(rec, op); });
            EXPECT_GT(stream.value()->n_dispatches(), 1u) << "expected several row chunks";
            chunked = download_vector<float>(*yb, 2 * 300);
        }
        std::vector<float> whole = gpu_matmul(test_kernels(), *env.stream, m, x, 2);
        expect_bit_identical(chunked, whole, "chunked " + type_str(type));
        expect_nmse(chunked, ref_matmul(m, x, 2), tier_for(type), "chunked vs reference " + type_str(type));
    }
}

}  // namespace
}  // namespace moevk::test
