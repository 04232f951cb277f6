// matmul_tiled_test.cpp — the prompt mat-mul kernels (matmul_tiled.comp; matmul_coopmat.comp where the
// device has cooperative matrices) against reference::matvec for every weight format, on rows, tokens and
// (float formats) columns that are not multiples of the tiles; the residual-add mode; batch invariance
// (a token's bits do not depend on the other tokens or its place in a tile); the token threshold below
// which the mat-vec kernel runs; row chunks under a small binding limit; and the device's kernel choice.
#include <gtest/gtest.h>

#include "oracle/matmul_util.h"
#include "oracle/oracle_util.h"

namespace moevk::test {
namespace {

session::GpuKernelTuning prefill_tuning(session::PrefillKernel kernel, uint32_t min_tokens) {
    session::GpuKernelTuning t;
    t.prefill_kernel = kernel;
    t.prefill_min_tokens = min_tokens;
    t.prefill_min_rows = 1;
    return t;
}

std::vector<model::GgmlType> every_type() {
    std::vector<model::GgmlType> types(std::begin(kAllWeightTypes), std::end(kAllWeightTypes));
    types.insert(types.end(), std::begin(kKQuantWeightTypes), std::end(kKQuantWeightTypes));
    return types;
}

std::vector<float> slice(const std::vector<float> &v, size_t first, size_t n) {
    return std::vector<float>(v.begin() + first, v.begin() + first + n);
}

// Every format (F32 takes the tiled kernel under coopmat too) and ragged shapes against the reference, residual add, and each token's bits equal to the
// same token alone and in a batch where it sits elsewhere in its tile.
void expect_prefill_kernel_matches(session::PrefillKernel kernel, double activation_tier) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuKernels kernels(*env.device, prefill_tuning(kernel, 1));
    if (kernels.prefill_kernel() != kernel) GTEST_SKIP() << "the device has no cooperative matrices";
    for (model::GgmlType type : every_type()) {
        const bool kquant = model::block_elements(type) == 256;
        const bool floats = model::block_elements(type) == 1;
        std::vector<uint32_t> col_counts = kquant ? std::vector<uint32_t>{256, 768} : std::vector<uint32_t>{96, 160};
        if (floats) col_counts.push_back(100);  // a last K step of 4 values
        for (uint32_t n_cols : col_counts) {
            const uint32_t n_rows = 100, n_tokens = 75;
            const double tier = std::max(tier_for(type), activation_tier);
            HostMatrix m = random_matrix(type, n_rows, n_cols, 91 + n_cols);
            std::vector<float> x = random_floats((size_t)n_tokens * n_cols, 92);
            const std::string what = type_str(type) + " " + std::to_string(n_rows) + "x" + std::to_string(n_cols);
            std::vector<float> batch = gpu_matmul(kernels, *env.stream, m, x, n_tokens);
            expect_nmse(batch, ref_matmul(m, x, n_tokens), tier, what);
            std::vector<float> resid = random_floats((size_t)n_tokens * n_rows + 1, 93);
            std::vector<float> ref = ref_matmul(m, x, n_tokens);
            for (size_t i = 0; i < ref.size(); ++i) ref[i] += resid[i];
            expect_nmse(gpu_matmul(kernels, *env.stream, m, x, n_tokens, &resid), ref, tier, what + " accumulate");
            // tokens 3..72 as a batch of their own: each sits 3 places earlier in its tile
            std::vector<float> shifted = gpu_matmul(kernels, *env.stream, m, slice(x, 3 * n_cols, 70 * n_cols), 70);
            expect_bit_identical(shifted, slice(batch, 3 * n_rows, 70 * n_rows), what + " tokens 3..72 alone");
            expect_bit_identical(gpu_matmul(kernels, *env.stream, m, slice(x, 74 * n_cols, n_cols), 1),
                                 slice(batch, 74 * n_rows, n_rows), what + " last token alone");
        }
    }
}

TEST(MatmulTiled, EveryFormatRaggedShapesMatchReferenceAndAreBatchInvariant) {
    expect_prefill_kernel_matches(session::PrefillKernel::kTiled, 0.0);
}

TEST(MatmulTiled, CooperativeMatrixWhereTheDeviceHasIt) {
    expect_prefill_kernel_matches(session::PrefillKernel::kCoopmat, kNmseF16Activations);
}

// Calls under the token threshold, and matrices under the row threshold, run the mat-vec kernel: the bits
// of the mat-vec kernel set.
TEST(MatmulTiled, CallsBelowTheThresholdKeepTheMatVecKernel) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuKernels tiled(*env.device, prefill_tuning(session::PrefillKernel::kTiled, 8));
    session::GpuKernels matvec(*env.device, prefill_tuning(session::PrefillKernel::kMatvec, 8));
    HostMatrix m = random_matrix(model::GgmlType::kQ4_0, 70, 160, 94);
    std::vector<float> x = random_floats(8 * 160, 95);
    expect_bit_identical(gpu_matmul(tiled, *env.stream, m, x, 7), gpu_matmul(matvec, *env.stream, m, x, 7), "7 tokens");
    expect_nmse(gpu_matmul(tiled, *env.stream, m, x, 8), ref_matmul(m, x, 8), kNmseQuantWeights, "8 tokens");
    // and matrices of fewer rows than prefill_min_rows (the router)
    session::GpuKernelTuning few_rows = prefill_tuning(session::PrefillKernel::kTiled, 8);
    few_rows.prefill_min_rows = 71;
    session::GpuKernels tiled_from_71(*env.device, few_rows);
    expect_bit_identical(gpu_matmul(tiled_from_71, *env.stream, m, x, 8), gpu_matmul(matvec, *env.stream, m, x, 8),
                         "70 rows");
}

TEST(MatmulTiled, SmallBindingLimitChunksRowsWithSameResult) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 4096;  // a few rows per chunk, chunks not multiples of the row tile
    auto small = vulkan::Device::open(opts);
    ASSERT_TRUE(small.is_ok()) << small.status().message();
    const session::GpuKernelTuning tuning = prefill_tuning(session::PrefillKernel::kTiled, 1);
    session::GpuKernels small_kernels(*small.value(), tuning), kernels(*env.device, tuning);
    auto stream = vulkan::CommandStream::create(*small.value());
    ASSERT_TRUE(stream.is_ok());
    for (model::GgmlType type : {model::GgmlType::kQ4_0, model::GgmlType::kF16}) {
        HostMatrix m = random_matrix(type, 300, 32, 96);  // x and y must fit one binding too
        std::vector<float> x = random_floats(3 * 32, 97);
        std::vector<float> chunked = gpu_matmul(small_kernels, *stream.value(), m, x, 3);
        EXPECT_GT(stream.value()->n_dispatches(), 1u) << "expected several row chunks";
        expect_bit_identical(chunked, gpu_matmul(kernels, *env.stream, m, x, 3), "chunked " + type_str(type));
    }
}

// The choice itself, on described devices: CPU devices keep the mat-vec kernels, GPUs take cooperative
// matrices where they have them and the portable tiled kernel elsewhere; a request for cooperative
// matrices on a device without them gets the tiled kernel.
TEST(MatmulTiled, DeviceChoiceOfThePrefillKernel) {
    using session::PrefillKernel;
    vulkan::DeviceInfo cpu, gpu, nv;
    cpu.type = VK_PHYSICAL_DEVICE_TYPE_CPU;
    gpu.type = nv.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
    nv.features = vulkan::kFeatureCooperativeMatrix;
    const session::GpuKernelTuning device_default;
    EXPECT_EQ(session::choose_prefill_kernel(cpu, device_default), PrefillKernel::kMatvec);
    EXPECT_EQ(session::choose_prefill_kernel(gpu, device_default), PrefillKernel::kTiled);
    EXPECT_EQ(session::choose_prefill_kernel(nv, device_default), PrefillKernel::kCoopmat);
    EXPECT_EQ(session::choose_prefill_kernel(gpu, prefill_tuning(PrefillKernel::kCoopmat, 0)), PrefillKernel::kTiled);
    EXPECT_EQ(session::choose_prefill_kernel(cpu, prefill_tuning(PrefillKernel::kCoopmat, 0)), PrefillKernel::kTiled);
    EXPECT_EQ(session::choose_prefill_kernel(nv, prefill_tuning(PrefillKernel::kTiled, 0)), PrefillKernel::kTiled);
    EXPECT_EQ(session::choose_prefill_kernel(nv, prefill_tuning(PrefillKernel::kMatvec, 0)), PrefillKernel::kMatvec);
    EXPECT_EQ(session::choose_prefill_kernel(cpu, prefill_tuning(PrefillKernel::kTiled, 0)), PrefillKernel::kTiled);
}

// Prompt chunks: 512 tokens on GPUs (full 32-pair expert tiles for 128 experts), 256 on CPU devices, or
// what the tuning asks for.
TEST(MatmulTiled, DeviceChoiceOfThePrefillBatch) {
    vulkan::DeviceInfo cpu, gpu;
    cpu.type = VK_PHYSICAL_DEVICE_TYPE_CPU;
    gpu.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
    session::GpuKernelTuning tuning;
    EXPECT_EQ(session::choose_prefill_batch(cpu, tuning), 256u);
    EXPECT_EQ(session::choose_prefill_batch(gpu, tuning), 512u);
    tuning.prefill_batch = 3;
    EXPECT_EQ(session::choose_prefill_batch(gpu, tuning), 3u);
    EXPECT_EQ(session::choose_prefill_batch(cpu, tuning), 3u);
}

}  // namespace
}  // namespace moevk::test
