// qk_norm_rope_kv_test.cpp — the fused Q/K norm + RoPE + cache store against the two kernels it replaces
// (qk_norm_rope, then kv_write; each checked against the reference in gather_norm_test / attention_test):
// the same qkv rows and the same cache words, bit for bit, for every KV type, whole and partial RoPE, GQA,
// and head sizes that are not whole q8_0 units (the op then records the two kernels itself).
#include <gtest/gtest.h>

#include <algorithm>

#include "oracle/oracle_util.h"

namespace moevk::test {
namespace {

using session::KvType;

struct Case {
    uint32_t n_head, n_head_kv, head_dim, n_rot;
};

struct Result {
    std::vector<float> qkv;
    std::vector<uint32_t> cache;
};

Result run(const Case &c, KvType type, const std::vector<int32_t> &positions, bool fused) {
    const uint32_t n_tokens = (uint32_t)positions.size(), n_ctx = 16;
    const uint32_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim, stride = q_dim + 2 * kv_dim;
    const std::vector<float> qkv = random_floats((size_t)n_tokens * stride, 31, 2.0f);
    auto qkvb = upload_vector(qkv, "qkv");
    auto qnb = upload_vector(random_floats(c.head_dim, 32), "qn");
    auto knb = upload_vector(random_floats(c.head_dim, 33), "kn");
    auto table = upload_vector(session::make_rope_table(n_ctx, c.n_rot, 1000000.0f), "rope");
    auto pos = upload_vector(positions, "pos");
    const session::KvLayout layout = session::make_kv_layout(type, n_ctx, kv_dim, kv_dim).value();
    // a cache that already holds something: the store must leave other positions alone
    std::vector<uint32_t> words(layout.total_bytes / 4);
    for (size_t i = 0; i < words.size(); ++i) words[i] = (uint32_t)(i * 2654435761u);
    auto cache = upload_vector(words, "kv");

    session::QkNormRopeKvOp op;
    op.rope.qkv = {qkvb.get(), 0, stride};
    op.rope.k_offset = q_dim;
    op.rope.n_tokens = n_tokens;
    op.rope.n_head = c.n_head;
    op.rope.n_head_kv = c.n_head_kv;
    op.rope.head_dim = c.head_dim;
    op.rope.n_rot = c.n_rot;
    op.rope.q_norm = qnb.get();
    op.rope.k_norm = knb.get();
    op.rope.rope_table = table.get();
    op.rope.positions = pos.get();
    op.v_offset = q_dim + kv_dim;
    op.head_dim_v = c.head_dim;
    op.cache = cache.get();
    op.layout = layout;
    run_on_gpu([&](session::GpuRecorder &rec) {
        if (fused) return session::record_qk_norm_rope_kv(rec, op);
        MOEVK_RETURN_IF_ERROR(session::record_qk_norm_rope(rec, op.rope));
        session::KvWriteOp kv;
        kv.qkv = op.rope.qkv;
        kv.k_offset = q_dim;
        kv.v_offset = op.v_offset;
        kv.n_tokens = n_tokens;
        kv.positions = pos.get();
        kv.cache = cache.get();
        kv.layout = layout;
        return session::record_kv_write(rec, kv);
    });
    return {download_vector<float>(*qkvb, qkv.size()), download_vector<uint32_t>(*cache, words.size())};
}

TEST(QkNormRopeKv, StoresWhatQkNormRopeThenKvWriteStore) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const std::vector<int32_t> positions = {0, 3, 1, 7, 2};
    // whole RoPE; partial RoPE (the hybrid gated attention); 48-dim heads are no whole q8_0 unit
    const Case cases[] = {{4, 2, 64, 64}, {4, 1, 64, 16}, {2, 2, 48, 48}, {8, 2, 128, 32}};
    for (const Case &c : cases) {
        for (KvType type : kAllKvTypes) {
            const Result fused = run(c, type, positions, true), separate = run(c, type, positions, false);
            const std::string what = std::string(type == KvType::kF32 ? "f32" : type == KvType::kF16 ? "f16" : "q8_0") +
                                     " head_dim " + std::to_string(c.head_dim) + " n_rot " + std::to_string(c.n_rot);
            expect_bit_identical(fused.qkv, separate.qkv, "qkv " + what);
            EXPECT_TRUE(fused.cache == separate.cache) << "cache words differ: " << what;
        }
    }
}

TEST(QkNormRopeKv, CacheRowsOfAnotherWidthAreRefused) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    auto dummy = zero_buffer(1 << 16, "dummy");
    session::QkNormRopeKvOp op;
    op.rope.qkv = {dummy.get(), 0, 512};
    op.rope.k_offset = 256;
    op.rope.n_tokens = 1;
    op.rope.n_head = 4;
    op.rope.n_head_kv = 2;
    op.rope.head_dim = 64;
    op.rope.n_rot = 64;
    op.rope.q_norm = op.rope.k_norm = op.rope.rope_table = op.rope.positions = dummy.get();
    op.v_offset = 384;
    op.head_dim_v = 64;
    op.cache = dummy.get();
    op.layout = session::make_kv_layout(KvType::kF16, 4, 3 * 64, 3 * 64).value();  // 3 heads wide, not 2
    ASSERT_TRUE(env.stream->begin().is_ok());
    session::GpuRecorder rec{test_kernels(), *env.stream};
    EXPECT_EQ(session::record_qk_norm_rope_kv(rec, op).code(), StatusCode::kInternal);
    EXPECT_TRUE(env.stream->submit_and_wait().is_ok());
}

}  // namespace
}  // namespace moevk::test
