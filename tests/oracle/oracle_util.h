// oracle_util.h — shared pieces of the kernel-vs-reference tests: seeded random data, weight matrices in
// every GGUF type, one-call recording on the shared device, and tier checks that print the first
// mismatches (index, reference value, GPU value).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/ggml_type.h"
#include "oracle/gpu_env.h"
#include "session/gpu_kernels.h"
#include "session/gpu_ops.h"
#include "tolerance.h"

namespace moevk::test {

constexpr model::GgmlType kAllWeightTypes[] = {model::GgmlType::kF32, model::GgmlType::kF16, model::GgmlType::kBF16,
                                               model::GgmlType::kQ8_0, model::GgmlType::kQ4_0};
// Super-block types: rows must be multiples of 256 values, so their tests use other shapes.
constexpr model::GgmlType kKQuantWeightTypes[] = {model::GgmlType::kQ4_K, model::GgmlType::kQ5_K,
                                                  model::GgmlType::kQ6_K};
constexpr session::KvType kAllKvTypes[] = {session::KvType::kF32, session::KvType::kF16, session::KvType::kQ8_0};

inline std::string type_str(model::GgmlType t) { return model::type_name(static_cast<uint32_t>(t)); }

// n normally distributed floats (mean 0, given sd) from seed.
std::vector<float> random_floats(size_t n, uint32_t seed, float sd = 1.0f);

// A weight matrix of n_rows x n_cols in type, made by quantising random floats; bytes as GGUF stores them.
struct HostMatrix {
    model::GgmlType type;
    uint32_t n_rows, n_cols;
    uint64_t row_bytes;
    std::vector<uint8_t> bytes;
};
HostMatrix random_matrix(model::GgmlType type, uint32_t n_rows, uint32_t n_cols, uint32_t seed);

// The kernel tuning of the tests: the device's defaults, or with MOEVK_TEST_GPU_ORDER=1 the GPU mat-vec path
// (vec4 activation loads, slice summation order) on any device, so lavapipe checks it too (tests/CMakeLists.txt).
session::GpuKernelTuning test_tuning();

// Kernels of the shared device and test_tuning() (one pipeline cache for the whole test process).
session::GpuKernels &test_kernels();

// begin(), record(rec), submit_and_wait() on the shared device's stream; fails the test on error.
void run_on_gpu(const std::function<Status(session::GpuRecorder &)> &record);
// Same with a given device/kernels/stream (for the forced-small-binding device).
void run_on(session::GpuKernels &kernels, vulkan::CommandStream &stream,
            const std::function<Status(session::GpuRecorder &)> &record);

// gtest assertions for the tiers of tolerance.h. what names the case in the failure message.
void expect_elementwise(const std::vector<float> &gpu, const std::vector<float> &ref, const std::string &what);
void expect_nmse(const std::vector<float> &gpu, const std::vector<float> &ref, double tier, const std::string &what);
void expect_bit_identical(const std::vector<float> &a, const std::vector<float> &b, const std::string &what);

}  // namespace moevk::test

#define MOEVK_EXPECT_OK(expr)                                   \
    do {                                                        \
        ::moevk::Status moevk_s_ = (expr);                      \
        EXPECT_TRUE(moevk_s_.is_ok()) << moevk_s_.message();    \
    } while (0)
