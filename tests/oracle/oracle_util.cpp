// oracle_util.cpp — see oracle_util.h.
#include "oracle/oracle_util.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace moevk::test {

std::vector<float> random_floats(size_t n, uint32_t seed, float sd) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sd);
    std::vector<float> v(n);
    for (float &x : v) x = dist(rng);
    return v;
}

HostMatrix random_matrix(model::GgmlType type, uint32_t n_rows, uint32_t n_cols, uint32_t seed) {
    HostMatrix m{type, n_rows, n_cols, *model::row_bytes(type, n_cols), {}};
    std::vector<float> values = random_floats((size_t)n_rows * n_cols, seed, 0.5f);
    m.bytes.resize(m.row_bytes * n_rows);
    for (uint32_t r = 0; r < n_rows; ++r)
        model::quantize_row(type, values.data() + (size_t)r * n_cols, m.bytes.data() + r * m.row_bytes, n_cols);
    return m;
}

session::GpuKernelTuning test_tuning() {
    session::GpuKernelTuning tuning;
    const char *order = std::getenv("MOEVK_TEST_GPU_ORDER");
    if (order != nullptr && std::strcmp(order, "1") == 0) tuning.vec4_activation_loads = true;
    return tuning;
}

session::GpuKernels &test_kernels() {
    static session::GpuKernels kernels(*gpu_env().device, test_tuning());
    return kernels;
}

void run_on(session::GpuKernels &kernels, vulkan::CommandStream &stream,
            const std::function<Status(session::GpuRecorder &)> &record) {
    session::GpuRecorder rec{kernels, stream};
    Status s = stream.begin();
    if (s.is_ok()) s = record(rec);
    if (s.is_ok()) s = stream.submit_and_wait();
    EXPECT_TRUE(s.is_ok()) << s.message();
}

void run_on_gpu(const std::function<Status(session::GpuRecorder &)> &record) {
    run_on(test_kernels(), *gpu_env().stream, record);
}

void expect_elementwise(const std::vector<float> &gpu, const std::vector<float> &ref, const std::string &what) {
    ASSERT_EQ(gpu.size(), ref.size()) << what;
    const size_t bad = first_elementwise_mismatch(gpu.data(), ref.data(), ref.size());
    EXPECT_EQ(bad, ref.size()) << what << ": element-wise tier violated first at " << bad;
}

void expect_nmse(const std::vector<float> &gpu, const std::vector<float> &ref, double tier, const std::string &what) {
    ASSERT_EQ(gpu.size(), ref.size()) << what;
    const double e = nmse(gpu.data(), ref.data(), ref.size());
    if (!(e <= tier)) {
        // the first elements that stand out: error above the tier's share of the reference's RMS
        double ss = 0;
        for (float r : ref) ss += (double)r * r;
        const double rms = std::sqrt(ss / std::max<size_t>(1, ref.size()));
        int printed = 0;
        for (size_t i = 0; i < ref.size() && printed < 5; ++i) {
            if (std::fabs((double)gpu[i] - ref[i]) > std::sqrt(tier) * rms) {
                std::fprintf(stderr, "  mismatch at %zu: reference %.9g gpu %.9g\n", i, (double)ref[i], (double)gpu[i]);
                ++printed;
            }
        }
    }
    if (std::getenv("MOEVK_ORACLE_VERBOSE")) std::fprintf(stderr, "  %s: NMSE %.3g (tier %.0e)\n", what.c_str(), e, tier);
    EXPECT_LE(e, tier) << what << ": NMSE " << e;
}

void expect_bit_identical(const std::vector<float> &a, const std::vector<float> &b, const std::string &what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::memcmp(&a[i], &b[i], 4) != 0) {
            ADD_FAILURE() << what << ": first difference at " << i << ": " << a[i] << " vs " << b[i];
            return;
        }
    }
}

}  // namespace moevk::test
