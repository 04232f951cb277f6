// hybrid_whole_model_test.cpp — the GPU forward pass of the tiny hybrid models (qwen3next, qwen35moe: 3
// GatedDeltaNet layers + 1 gated attention layer, shared expert) against the CPU reference
// (reference::Forward), every position's logits within the whole-model tier, prefill then decode; the
// routing near-tie rule as whole_model_test.cpp. Then what the recurrent state promises: logits
// bit-identical however a prompt of step-kernel calls is split, within the whole-model tier across splits of
// a chunked prefill and bit-identical for the same calls, an eval at position 0 starts afresh, and
// the state read from one session and written into another continues it exactly.
#include <algorithm>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "device_required.h"
#include "model/model_test_util.h"
#include "session/gpu_forward.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

struct Case {
    std::string model;  // "qwen35moe-q8_0"
    int n_prompt;
    session::KvType kv_type;
};

std::string describe(const Case &c) {
    std::string m = c.model;
    std::replace(m.begin(), m.end(), '-', '_');
    return m + "_prompt" + std::to_string(c.n_prompt) + "_" + kv_type_name(c.kv_type);
}

std::string case_name(const ::testing::TestParamInfo<Case> &info) { return describe(info.param); }
void PrintTo(const Case &c, std::ostream *os) { *os << describe(c); }

class HybridWholeModel : public ::testing::TestWithParam<Case> {};

TEST_P(HybridWholeModel, PrefillThenDecodeMatchesReference) {
    const Case &c = GetParam();
    auto ctx = open_context(c.model, c.kv_type, 128);
    if (!ctx) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    reference::Forward ref(ctx->model(), 128, reference_kv_type(c.kv_type));
    std::mt19937 rng(4321 + c.n_prompt);
    std::uniform_int_distribution<int32_t> token(0, (int32_t)ctx->hparams().n_vocab - 1);
    std::vector<int32_t> prompt(c.n_prompt);
    for (int32_t &t : prompt) t = token(rng);

    std::vector<float> last = eval_and_compare(*ctx, ref, prompt, "prompt");
    ASSERT_FALSE(last.empty());
    for (int step = 0; step < 12; ++step) {
        // Greedy next token from the GPU's logits, so both sides see the same sequence.
        const int32_t next = (int32_t)argmax(last.data(), last.size());
        last = eval_and_compare(*ctx, ref, {next}, "decode step " + std::to_string(step));
        ASSERT_FALSE(last.empty());
    }
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (const char *m : {"qwen3next-f32", "qwen35moe-f32", "qwen35moe-q8_0"})
        for (int n : {1, 7, 40}) cases.push_back({m, n, session::KvType::kF16});
    cases.push_back({"qwen35moe-q8_0", 7, session::KvType::kF32});
    cases.push_back({"qwen3next-f32", 7, session::KvType::kQ8_0});
    // mixed types: the input projections and K/V as separate matrices of their row groups
    for (int n : {1, 7}) cases.push_back({"qwen35moe-q4_k_m", n, session::KvType::kF16});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(TinyHybrid, HybridWholeModel, ::testing::ValuesIn(all_cases()), case_name);

// GpuForward of a tiny hybrid with prefill chunks of max_batch tokens; null (and skipped) without a device.
std::unique_ptr<session::GpuForward> open_gpu(const model::Model &m, uint32_t max_batch) {
    session::GpuForwardOptions opts;
    opts.n_ctx = 64;
    opts.kernel_tuning.prefill_batch = max_batch;
    auto g = session::GpuForward::create(m, opts);
    if (!g.is_ok()) {
        if (g.status().code() != StatusCode::kDevice || device_required()) ADD_FAILURE() << g.status().message();
        return nullptr;
    }
    return std::move(g).value();
}

std::unique_ptr<model::Model> load(const std::string &name) {
    auto m = model::load_model(tiny_model_path(name));
    EXPECT_TRUE(m.is_ok()) << m.status().message();
    return m.is_ok() ? std::move(m).value() : nullptr;
}

std::vector<int32_t> some_tokens(size_t n, uint32_t n_vocab, uint32_t seed) {
    std::vector<int32_t> t(n);
    for (size_t i = 0; i < n; ++i) t[i] = (int32_t)((i * 131 + seed) % n_vocab);
    return t;
}

bool bits_equal(const float *a, const float *b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// The state carries over exactly between calls: in chunks of 4 every call is below
// kGatedDeltaChunkedMinTokens (the step kernel, batch-invariant), so the split never shows: one call (chunks
// of 4: the first reads the old copy of the state, the rest update the new one in place), single tokens
// (decode replays of both state copies), and calls of 5 then 8 give the same bits.
TEST(HybridSplits, LogitsBitIdenticalHoweverAStepKernelPromptIsSplit) {
    for (const char *name : {"qwen3next-f32", "qwen35moe-q8_0"}) {
        SCOPED_TRACE(name);
        auto m = load(name);
        ASSERT_TRUE(m);
        auto whole = open_gpu(*m, 4), single = open_gpu(*m, 4), two = open_gpu(*m, 4);
        if (!whole || !single || !two) {
            if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
            return;
        }
        const uint32_t n_vocab = m->hp.n_vocab, n = 13;
        const std::vector<int32_t> t = some_tokens(n, n_vocab, 7);
        std::vector<float> all(n * n_vocab), one(n * n_vocab), split(n * n_vocab);
        ASSERT_TRUE(whole->eval(t.data(), n, 0, nullptr, all.data(), nullptr).is_ok());
        for (uint32_t i = 0; i < n; ++i)
            ASSERT_TRUE(single->eval(&t[i], 1, i, one.data() + (size_t)i * n_vocab, nullptr, nullptr).is_ok());
        ASSERT_TRUE(two->eval(t.data(), 5, 0, nullptr, split.data(), nullptr).is_ok());
        ASSERT_TRUE(two->eval(t.data() + 5, n - 5, 5, nullptr, split.data() + 5 * n_vocab, nullptr).is_ok());
        for (uint32_t i = 0; i < n; ++i) {
            EXPECT_TRUE(bits_equal(one.data() + (size_t)i * n_vocab, all.data() + (size_t)i * n_vocab, n_vocab))
                << "single-token calls, position " << i;
            EXPECT_TRUE(bits_equal(split.data() + (size_t)i * n_vocab, all.data() + (size_t)i * n_vocab, n_vocab))
                << "calls of 5 and 8, position " << i;
        }
    }
}

// A long prompt in one call takes the chunked GatedDeltaNet prefill, whose bits depend on where its
// sub-chunks start (DESIGN.md section 7): it agrees with the same tokens in chunks of 4 (step kernel) and in
// calls of 21 and 19 within the whole-model tier at every position; the same calls again give the same bits.
TEST(HybridSplits, ChunkedPrefillSplitsAgreeWithinTheWholeModelTier) {
    for (const char *name : {"qwen3next-f32", "qwen35moe-q8_0"}) {
        SCOPED_TRACE(name);
        auto m = load(name);
        ASSERT_TRUE(m);
        auto whole = open_gpu(*m, 64), small = open_gpu(*m, 4), two = open_gpu(*m, 64);
        if (!whole || !small || !two) {
            if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
            return;
        }
        const uint32_t n_vocab = m->hp.n_vocab, n = 40, first = 21;
        const std::vector<int32_t> t = some_tokens(n, n_vocab, 9);
        std::vector<float> all(n * n_vocab), again(n * n_vocab), steps(n * n_vocab), split(n * n_vocab);
        ASSERT_TRUE(whole->eval(t.data(), n, 0, nullptr, all.data(), nullptr).is_ok());
        ASSERT_TRUE(small->eval(t.data(), n, 0, nullptr, steps.data(), nullptr).is_ok());
        ASSERT_TRUE(two->eval(t.data(), first, 0, nullptr, split.data(), nullptr).is_ok());
        ASSERT_TRUE(two->eval(t.data() + first, n - first, first, nullptr, split.data() + first * n_vocab, nullptr).is_ok());
        EXPECT_EQ(whole_model_check_rows(steps.data(), all.data(), n, n_vocab), "") << "chunks of 4";
        EXPECT_EQ(whole_model_check_rows(split.data(), all.data(), n, n_vocab), "") << "calls of 21 and 19";
        ASSERT_TRUE(whole->eval(t.data(), n, 0, nullptr, again.data(), nullptr).is_ok());
        EXPECT_TRUE(bits_equal(again.data(), all.data(), again.size())) << "the same call again";
        ASSERT_TRUE(two->eval(t.data(), first, 0, nullptr, again.data(), nullptr).is_ok());
        ASSERT_TRUE(two->eval(t.data() + first, n - first, first, nullptr, again.data() + first * n_vocab, nullptr).is_ok());
        EXPECT_TRUE(bits_equal(again.data(), split.data(), again.size())) << "the same two calls again";
    }
}

// An eval at position 0 ignores the state an earlier sequence left (the state before position 0 is zero).
TEST(HybridState, EvalAtPositionZeroStartsAfresh) {
    auto m = load("qwen35moe-f32");
    ASSERT_TRUE(m);
    auto used = open_gpu(*m, 4), fresh = open_gpu(*m, 4);
    if (!used || !fresh) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    const uint32_t n_vocab = m->hp.n_vocab;
    const std::vector<int32_t> a = some_tokens(9, n_vocab, 3), b = some_tokens(6, n_vocab, 11);
    std::vector<float> got(n_vocab), want(n_vocab);
    ASSERT_TRUE(used->eval(a.data(), 9, 0, got.data(), nullptr, nullptr).is_ok());
    for (uint32_t n : {1u, 6u}) {  // one token (in place on the zeroed copy) and two chunks
        ASSERT_TRUE(used->eval(b.data(), n, 0, got.data(), nullptr, nullptr).is_ok());
        ASSERT_TRUE(fresh->eval(b.data(), n, 0, want.data(), nullptr, nullptr).is_ok());
        EXPECT_TRUE(bits_equal(got.data(), want.data(), n_vocab)) << n << " tokens";
    }
}

// The recurrent state (and the attention layers' K/V) read from one session and written into another
// that saw other tokens makes the second continue exactly as the first.
TEST(HybridState, ReadThenWriteContinuesExactly) {
    auto m = load("qwen3next-f32");
    ASSERT_TRUE(m);
    auto first = open_gpu(*m, 4), second = open_gpu(*m, 4);
    if (!first || !second) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    const model::HParams &hp = m->hp;
    uint64_t expected_bytes = 0;
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        EXPECT_EQ(first->layer_has_kv(il), !hp.is_recurrent(il)) << "layer " << il;
        if (hp.is_recurrent(il))
            expected_bytes += 4ull * ((uint64_t)hp.ssm_conv_dim() * (hp.ssm_d_conv - 1) +
                                      (uint64_t)hp.ssm_n_v_heads * hp.ssm_head_dim * hp.ssm_head_dim);
    }
    ASSERT_EQ(first->recurrent_state_bytes(), expected_bytes);
    std::vector<uint8_t> kv_probe(first->kv_layer_bytes(1));
    EXPECT_EQ(first->read_kv(0, 1, kv_probe.data()).code(), StatusCode::kInvalidArg);  // layer 0 is recurrent

    const uint32_t n_vocab = hp.n_vocab, n_pos = 7;
    const std::vector<int32_t> prompt = some_tokens(n_pos, n_vocab, 5), other = some_tokens(10, n_vocab, 99);
    const std::vector<int32_t> next = some_tokens(3, n_vocab, 42);
    ASSERT_TRUE(first->eval(prompt.data(), n_pos, 0, nullptr, nullptr, nullptr).is_ok());
    std::vector<uint8_t> state(first->recurrent_state_bytes());
    ASSERT_TRUE(first->read_recurrent_state(state.data()).is_ok());
    std::vector<std::vector<uint8_t>> kv(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        if (!first->layer_has_kv(il)) continue;
        kv[il].resize(first->kv_layer_bytes(n_pos));
        ASSERT_TRUE(first->read_kv(il, n_pos, kv[il].data()).is_ok());
    }
    std::vector<float> want(3 * n_vocab), got(3 * n_vocab);
    ASSERT_TRUE(first->eval(next.data(), 3, n_pos, nullptr, want.data(), nullptr).is_ok());

    ASSERT_TRUE(second->eval(other.data(), 10, 0, nullptr, nullptr, nullptr).is_ok());
    ASSERT_TRUE(second->write_recurrent_state(state.data()).is_ok());
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        if (!second->layer_has_kv(il)) continue;
        ASSERT_TRUE(second->write_kv(il, n_pos, kv[il].data()).is_ok());
    }
    ASSERT_TRUE(second->eval(next.data(), 3, n_pos, nullptr, got.data(), nullptr).is_ok());
    EXPECT_TRUE(bits_equal(got.data(), want.data(), got.size()));

    // cleared: the state before position 0
    ASSERT_TRUE(second->clear_recurrent_state().is_ok());
    std::vector<uint8_t> zeroed(state.size(), 0xAB);
    ASSERT_TRUE(second->read_recurrent_state(zeroed.data()).is_ok());
    EXPECT_EQ(zeroed, std::vector<uint8_t>(state.size(), 0));
}

}  // namespace
}  // namespace moevk::test
