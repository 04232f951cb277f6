// attention_test.cpp — kv_write and attention for every KV cache type. The reference gets the K/V values
// after the same type round trip on the CPU (fp32_to_fp16, model::quantize_row q8_0), so the comparison
// measures the kernels: NMSE tier kNmseF32Weights for f32 caches, kNmseF16Activations for f16 / q8_0.
// Every attention kernel runs on every device: per-head (lavapipe's default), split (GPUs' decode; a token's
// keys go to several workgroups once it has more than one key tile of 32) and tiled (GPUs' prompts).
#include <gtest/gtest.h>

#include <cmath>

#include "core/half.h"
#include "oracle/oracle_util.h"
#include "reference/ops.h"

namespace moevk::test {
namespace {

using session::KvType;

struct Shape {
    uint32_t n_head = 4, n_head_kv = 2, head_dim = 64;
    uint32_t q_dim() const { return n_head * head_dim; }
    uint32_t kv_dim() const { return n_head_kv * head_dim; }
    uint32_t stride() const { return q_dim() + 2 * kv_dim(); }
};

const char *kv_name(KvType t) { return t == KvType::kF32 ? "f32" : t == KvType::kF16 ? "f16" : "q8_0"; }
double kv_tier(KvType t) { return t == KvType::kF32 ? kNmseF32Weights : kNmseF16Activations; }

// The values a cache of type t holds for a row of floats (blocks of 32 for q8_0).
std::vector<float> kv_round_trip(KvType t, const float *row, size_t n) {
    std::vector<float> out(row, row + n);
    if (t == KvType::kF16) {
        for (float &v : out) v = fp16_to_fp32(fp32_to_fp16(v));
    } else if (t == KvType::kQ8_0) {
        std::vector<uint8_t> q(n / 32 * sizeof(model::BlockQ8_0));
        model::quantize_row(model::GgmlType::kQ8_0, row, q.data(), n);
        model::dequantize_row(model::GgmlType::kQ8_0, q.data(), out.data(), n);
    }
    return out;
}

// One layer's cache on the GPU plus the CPU's view of what it should hold.
struct CacheFixture {
    Shape shape;
    KvType type;
    uint32_t n_ctx;
    session::KvLayout layout;
    std::unique_ptr<vulkan::Buffer> cache;
    std::vector<float> k_ref, v_ref;  // [pos][kv_dim], round-tripped

    CacheFixture(Shape s, KvType t, uint32_t ctx) : shape(s), type(t), n_ctx(ctx) {
        layout = session::make_kv_layout(t, ctx, s.kv_dim(), s.kv_dim()).value();
        cache = zero_buffer(layout.total_bytes, "kv");
        k_ref.assign((size_t)ctx * s.kv_dim(), 0.0f);
        v_ref.assign((size_t)ctx * s.kv_dim(), 0.0f);
    }

    // Writes qkv rows (random q, k, v) of tokens at positions; returns the rows.
    std::vector<float> write(const std::vector<int32_t> &positions, uint32_t seed) {
        const uint32_t n = (uint32_t)positions.size();
        std::vector<float> qkv = random_floats((size_t)n * shape.stride(), seed);
        auto qkvb = upload_vector(qkv, "qkv");
        auto pos = upload_vector(positions, "pos");
        session::KvWriteOp op;
        op.qkv = {qkvb.get(), 0, shape.stride()};
        op.k_offset = shape.q_dim();
        op.v_offset = shape.q_dim() + shape.kv_dim();
        op.n_tokens = n;
        op.positions = pos.get();
        op.cache = cache.get();
        op.layout = layout;
        run_on_gpu([&](session::GpuRecorder &rec) { return session::record_kv_write(rec, op); });
        for (uint32_t t = 0; t < n; ++t) {
            const float *row = qkv.data() + (size_t)t * shape.stride();
            std::vector<float> k = kv_round_trip(type, row + op.k_offset, shape.kv_dim());
            std::vector<float> v = kv_round_trip(type, row + op.v_offset, shape.kv_dim());
            std::copy(k.begin(), k.end(), k_ref.begin() + (size_t)positions[t] * shape.kv_dim());
            std::copy(v.begin(), v.end(), v_ref.begin() + (size_t)positions[t] * shape.kv_dim());
        }
        return qkv;
    }

    // Attention output of tokens (q from qkv rows) at positions.
    // kernels: null for the test default (the device's tuning), else these (another kernel or workgroup).
    // partial_tokens: tokens the split partials hold (the forward pass's scratch holds up to 64).
    std::vector<float> attend(const std::vector<float> &qkv, const std::vector<int32_t> &positions,
                              session::GpuKernels *kernels = nullptr, uint32_t partial_tokens = 64) {
        const uint32_t n = (uint32_t)positions.size();
        auto qkvb = upload_vector(qkv, "qkv");
        auto pos = upload_vector(positions, "pos");
        auto out = zero_buffer((size_t)n * shape.q_dim() * 4 + 4, "out");
        session::AttentionOp op;
        op.qkv = {qkvb.get(), 0, shape.stride()};
        op.out = {out.get(), 0, shape.q_dim()};
        op.n_tokens = n;
        op.n_head = shape.n_head;
        op.n_head_kv = shape.n_head_kv;
        op.head_dim_k = op.head_dim_v = shape.head_dim;
        op.scale = 1.0f / std::sqrt((float)shape.head_dim);
        op.positions = pos.get();
        op.cache = cache.get();
        op.layout = layout;
        auto partials = zero_buffer(session::attention_partials_bytes(shape.n_head, shape.head_dim, partial_tokens), "partials");
        op.partials = partials.get();
        const auto record = [&](session::GpuRecorder &rec) { return session::record_attention(rec, op); };
        if (kernels) run_on(*kernels, *gpu_env().stream, record);
        else run_on_gpu(record);
        return download_vector<float>(*out, (size_t)n * shape.q_dim());
    }

    std::vector<float> attend_ref(const std::vector<float> &qkv, const std::vector<int32_t> &positions) const {
        const uint32_t hd = shape.head_dim, group = shape.n_head / shape.n_head_kv;
        std::vector<float> out(positions.size() * shape.q_dim());
        for (size_t t = 0; t < positions.size(); ++t)
            for (uint32_t h = 0; h < shape.n_head; ++h)
                reference::attention_head(qkv.data() + t * shape.stride() + h * hd, k_ref.data() + (h / group) * hd,
                                          shape.kv_dim(), v_ref.data() + (h / group) * hd, shape.kv_dim(),
                                          (size_t)positions[t] + 1, hd, hd, 1.0f / std::sqrt((float)hd),
                                          out.data() + t * shape.q_dim() + h * hd);
        return out;
    }

    // The cache contents decoded on the CPU from the layout of kernels/common/kv_cache.glsl.
    std::vector<float> decode(const session::KvRegion &r, uint32_t n_pos) const {
        std::vector<uint32_t> words = download_vector<uint32_t>(*cache, layout.total_bytes / 4);
        std::vector<float> out((size_t)n_pos * r.width);
        for (size_t e = 0; e < out.size(); ++e) {
            if (type == KvType::kF32) {
                out[e] = fp32_from_bits(words[r.base + e]);
            } else if (type == KvType::kF16) {
                out[e] = fp16_to_fp32((uint16_t)(words[r.base + e / 2] >> (16 * (e & 1))));
            } else {
                const int8_t q = (int8_t)(words[r.base + e / 4] >> (8 * (e & 3)));
                out[e] = (float)q * fp32_from_bits(words[r.scale_base + e / 32]);
            }
        }
        return out;
    }
};

std::vector<int32_t> iota_positions(int32_t begin, int32_t end) {
    std::vector<int32_t> p;
    for (int32_t i = begin; i < end; ++i) p.push_back(i);
    return p;
}

TEST(KvWrite, EveryTypeStoresTheRoundTrippedValues) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (KvType type : kAllKvTypes) {
        CacheFixture c(Shape{}, type, 70);
        c.write(iota_positions(0, 40), 1);
        c.write({69, 40, 55}, 2);  // out of order, with gaps
        std::vector<float> k = c.decode(c.layout.k, 70), v = c.decode(c.layout.v, 70);
        const std::string what = std::string("kv_write ") + kv_name(type);
        if (type == KvType::kF32) {
            expect_bit_identical(k, c.k_ref, what + " K");
            expect_bit_identical(v, c.v_ref, what + " V");
        } else {
            expect_nmse(k, c.k_ref, kNmseF16Activations, what + " K");
            expect_nmse(v, c.v_ref, kNmseF16Activations, what + " V");
        }
    }
}

TEST(KvWrite, OddWidthIsRefusedForF16AndQ8) {
    EXPECT_EQ(session::make_kv_layout(KvType::kF16, 10, 33, 32).status().code(), StatusCode::kUnsupported);
    EXPECT_EQ(session::make_kv_layout(KvType::kQ8_0, 10, 48, 32).status().code(), StatusCode::kUnsupported);
    EXPECT_TRUE(session::make_kv_layout(KvType::kF32, 10, 33, 7).is_ok());
}

using session::AttentionKernel;
// The attention kernels every device runs here: per-head (lavapipe's), split (GPUs' decode) and the
// query-tiled prompt kernel (GPUs' prompt calls; forced here for calls of any size).
enum class Kernel { kPerHead, kSplit, kTiled };
const Kernel kAllKernels[] = {Kernel::kPerHead, Kernel::kSplit, Kernel::kTiled};
const char *kernel_name(Kernel k) { return k == Kernel::kSplit ? "split" : k == Kernel::kTiled ? "tiled" : "per-head"; }

std::unique_ptr<session::GpuKernels> attention_kernels(Kernel kernel, uint32_t workgroup = 0) {
    session::GpuKernelTuning tuning = test_tuning();
    tuning.attention_kernel = kernel == Kernel::kPerHead ? AttentionKernel::kPerHead : AttentionKernel::kSplit;
    tuning.attention_workgroup = workgroup;
    tuning.tiled_attention = kernel == Kernel::kTiled;
    if (kernel == Kernel::kTiled) tuning.prefill_min_tokens = 1;
    auto kernels = std::make_unique<session::GpuKernels>(*gpu_env().device, tuning);
    // the tiled kernel needs subgroup shuffles (lavapipe and the GPUs have them): never a silent fallback here
    if (kernel == Kernel::kTiled) {
        EXPECT_TRUE(kernels->tiled_attention(1)) << "the device has no subgroup shuffles";
    }
    return kernels;
}

TEST(Attention, EveryKvTypeMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (Kernel kernel : kAllKernels) {
        auto kernels = attention_kernels(kernel);
        for (uint32_t head_dim : {64u, 128u}) {
            for (KvType type : kAllKvTypes) {
                Shape shape;
                shape.head_dim = head_dim;
                CacheFixture c(shape, type, 200);
                // a prefill chunk whose queries see keys written in the same chunk, then more tokens
                std::vector<int32_t> first = iota_positions(0, 100);
                std::vector<float> qkv = c.write(first, 7);
                const std::string what = std::string(kernel_name(kernel)) + " " + kv_name(type) + " head_dim " +
                                         std::to_string(head_dim);
                expect_nmse(c.attend(qkv, first, kernels.get()), c.attend_ref(qkv, first), kv_tier(type), what + " prefill");
                std::vector<int32_t> second = iota_positions(100, 150);
                qkv = c.write(second, 8);
                // queries at tile edges (WG 64, key tile 32), out of order
                std::vector<int32_t> queries = {149, 0, 63, 64, 65, 127, 128, 1, 31, 32};
                std::vector<float> q = random_floats(queries.size() * shape.stride(), 9);
                expect_nmse(c.attend(q, queries, kernels.get()), c.attend_ref(q, queries), kv_tier(type), what + " queries");
            }
        }
    }
}

// The GPU default (256 invocations, so fewer key tiles per lane in decode) on every device, lavapipe included.
TEST(Attention, WideWorkgroupMatchesReferenceAndIsBatchInvariant) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (Kernel kernel : kAllKernels) {
        auto kernels = attention_kernels(kernel, 256);
        for (KvType type : kAllKvTypes) {
            Shape shape;
            shape.head_dim = 128;
            CacheFixture c(shape, type, 600);
            c.write(iota_positions(0, 600), 11);
            std::vector<int32_t> queries = {599, 0, 255, 256, 257, 511, 512, 300};
            std::vector<float> q = random_floats(queries.size() * shape.stride(), 12);
            const std::vector<float> batch = c.attend(q, queries, kernels.get());
            const std::string what = std::string("wide ") + kernel_name(kernel) + " " + kv_name(type);
            expect_nmse(batch, c.attend_ref(q, queries), kv_tier(type), what);
            const uint32_t qd = shape.q_dim(), st = shape.stride();
            std::vector<float> one(q.begin(), q.begin() + st);
            expect_bit_identical(std::vector<float>(batch.begin(), batch.begin() + qd),
                                 c.attend(one, {queries[0]}, kernels.get()), what + " batch invariance");
        }
    }
}

// Long contexts split over many workgroups (several key tiles each) or walked by one query tile, GQA groups
// of 1, 4 and 8 query heads, heads of 64 to 256, token groups smaller than the batch.
TEST(Attention, LongContextSplitsMatchReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (Kernel kernel : {Kernel::kSplit, Kernel::kTiled}) {
        auto kernels = attention_kernels(kernel);
        for (KvType type : kAllKvTypes) {
            for (Shape shape : {Shape{2, 2, 128}, Shape{8, 2, 64}, Shape{8, 1, 128}, Shape{4, 2, 256}}) {
                CacheFixture c(shape, type, 2000);
                c.write(iota_positions(0, 2000), 21);
                std::vector<int32_t> queries = {1999, 1024, 31, 32, 33, 1000};
                std::vector<float> q = random_floats(queries.size() * shape.stride(), 22);
                const std::vector<float> ref = c.attend_ref(q, queries);
                const std::string what = std::string(kernel_name(kernel)) + " " + kv_name(type) + " " +
                                         std::to_string(shape.n_head) + "/" + std::to_string(shape.n_head_kv) +
                                         " heads of " + std::to_string(shape.head_dim);
                const std::vector<float> whole = c.attend(q, queries, kernels.get());
                expect_nmse(whole, ref, kv_tier(type), what);
                const std::vector<float> grouped = c.attend(q, queries, kernels.get(), 4);
                expect_nmse(grouped, ref, kv_tier(type), what + " groups of 4 tokens");
                expect_bit_identical(grouped, whole, what + " token groups");
            }
        }
    }
}

// A prompt chunk of the tiled kernel: consecutive positions after earlier chunks, a token count that is
// not a multiple of the workgroup's token tile, and each row's bits independent of its tile companions.
TEST(Attention, TiledPromptChunksMatchReferenceAndSingleTokens) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    auto kernels = attention_kernels(Kernel::kTiled);
    for (KvType type : kAllKvTypes) {
        for (Shape shape : {Shape{4, 2, 64}, Shape{8, 1, 128}, Shape{6, 3, 96}}) {
            CacheFixture c(shape, type, 300);
            c.write(iota_positions(0, 77), 31);  // an earlier chunk
            const std::vector<int32_t> chunk = iota_positions(77, 77 + 53);
            const std::vector<float> qkv = c.write(chunk, 32);
            const std::string what = std::string("tiled ") + kv_name(type) + " " + std::to_string(shape.n_head) +
                                     "/" + std::to_string(shape.n_head_kv) + " heads of " + std::to_string(shape.head_dim);
            const std::vector<float> out = c.attend(qkv, chunk, kernels.get());
            expect_nmse(out, c.attend_ref(qkv, chunk), kv_tier(type), what);
            const uint32_t qd = shape.q_dim(), st = shape.stride();
            for (size_t t : {size_t{0}, size_t{17}, chunk.size() - 1}) {
                std::vector<float> one(qkv.begin() + t * st, qkv.begin() + (t + 1) * st);
                expect_bit_identical(std::vector<float>(out.begin() + t * qd, out.begin() + (t + 1) * qd),
                                     c.attend(one, {chunk[t]}, kernels.get()), what + " token " + std::to_string(t));
            }
        }
    }
}

TEST(Attention, BatchInvariant) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (Kernel kernel : kAllKernels) {
        auto kernels = attention_kernels(kernel);
        for (KvType type : kAllKvTypes) {
            CacheFixture c(Shape{}, type, 100);
            c.write(iota_positions(0, 100), 3);
            std::vector<int32_t> queries = {99, 5, 64, 0, 31, 33};
            std::vector<float> q = random_floats(queries.size() * c.shape.stride(), 4);
            std::vector<float> batch = c.attend(q, queries, kernels.get());
            const uint32_t qd = c.shape.q_dim(), st = c.shape.stride();
            for (size_t t = 0; t < queries.size(); ++t) {
                std::vector<float> one(q.begin() + t * st, q.begin() + (t + 1) * st);
                std::vector<float> single = c.attend(one, {queries[t]}, kernels.get());
                expect_bit_identical(std::vector<float>(batch.begin() + t * qd, batch.begin() + (t + 1) * qd), single,
                                     std::string("attention ") + kernel_name(kernel) + " " + kv_name(type) + " token " +
                                         std::to_string(t));
            }
        }
    }
}

}  // namespace
}  // namespace moevk::test
