// weight_fill.cpp — counter-based PRNG (splitmix64's finaliser over the element index) and row filling.
// One 64-bit hash yields two elements (low and high 32 bits), which halves the hashing cost.
#include "weight_fill.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

namespace moevk::gen {

namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;

inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// 24 random bits to a uniform float in [-1, 1); exact in float32.
inline float to_pm1(uint32_t bits) { return (float)(bits >> 8) * (2.0f / 16777216.0f) - 1.0f; }

// Values are offset + amplitude * u with u uniform in [-1, 1); uniform(-a, a) has std a/sqrt(3).
inline float amplitude(const TensorFill &f) {
    switch (f.kind) {
        case InitKind::kNorm: return 0.1f;
        case InitKind::kDecay: return 0.45f;
        case InitKind::kRouter: return 2.0f * std::sqrt(3.0f / (float)f.ne0);
        case InitKind::kMatrix: break;
    }
    return std::sqrt(3.0f / (float)f.ne0);
}

inline float offset_of(const TensorFill &f) {
    return f.kind == InitKind::kNorm ? 1.0f : f.kind == InitKind::kDecay ? -0.55f : 0.0f;
}

void generate_row(const TensorFill &f, uint64_t row, float *out) {
    const uint64_t base = row * f.ne0;
    const float amp = amplitude(f), offset = offset_of(f);
    uint64_t j = 0;
    if (base & 1) {  // odd start: the high half of the previous pair
        out[j++] = offset + amp * to_pm1((uint32_t)(mix64(f.stream_key + (base >> 1) * kGolden) >> 32));
    }
    for (; j + 1 < f.ne0; j += 2) {
        const uint64_t h = mix64(f.stream_key + ((base + j) >> 1) * kGolden);
        out[j] = offset + amp * to_pm1((uint32_t)h);
        out[j + 1] = offset + amp * to_pm1((uint32_t)(h >> 32));
    }
    if (j < f.ne0) out[j] = fill_value(f, base + j);
}

}  // namespace

uint64_t fill_key(uint64_t seed, const std::string &tensor_name) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the name, then mixed with the seed
    for (unsigned char c : tensor_name) h = (h ^ c) * 0x100000001b3ull;
    return mix64(mix64(seed + kGolden) ^ h);
}

float fill_value(const TensorFill &f, uint64_t index) {
    const uint64_t h = mix64(f.stream_key + (index >> 1) * kGolden);
    return offset_of(f) + amplitude(f) * to_pm1((uint32_t)((index & 1) ? h >> 32 : h));
}

void fill_rows(const TensorFill &f, uint64_t row_begin, uint64_t row_end, uint8_t *dst) {
    const uint64_t row_bytes = model::row_bytes(f.type, f.ne0).value_or(0);
    std::vector<float> row(f.ne0);
    for (uint64_t r = row_begin; r < row_end; ++r) {
        generate_row(f, r, row.data());
        model::quantize_row(f.type, row.data(), dst + (r - row_begin) * row_bytes, f.ne0);
    }
}

void fill_rows_parallel(const TensorFill &f, uint64_t row_begin, uint64_t row_end, uint8_t *dst,
                        unsigned n_threads) {
    const uint64_t n_rows = row_end - row_begin;
    const uint64_t kMinElementsPerThread = 1u << 16;  // below this, thread start-up costs more than it saves
    const uint64_t useful = std::max<uint64_t>(1, n_rows * f.ne0 / kMinElementsPerThread);
    const unsigned n = (unsigned)std::min<uint64_t>({n_threads, n_rows, useful});
    if (n <= 1) {
        fill_rows(f, row_begin, row_end, dst);
        return;
    }
    const uint64_t row_bytes = model::row_bytes(f.type, f.ne0).value_or(0);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n; ++t) {
        const uint64_t r0 = row_begin + n_rows * t / n, r1 = row_begin + n_rows * (t + 1) / n;
        threads.emplace_back(fill_rows, std::cref(f), r0, r1, dst + (r0 - row_begin) * row_bytes);
    }
    for (std::thread &th : threads) th.join();
}

}  // namespace moevk::gen
