// whole_model_test.cpp — the GPU forward pass of whole tiny qwen3moe models against the CPU reference
// (reference::Forward), every position's logits within the whole-model tier: every weight type and a
// Q4_K_M-style mix, prompts of 1, 7 and 64 tokens followed by 16 decode steps, every KV cache type, and
// prompt splits.
// Routing near-ties (DESIGN.md section 7): the reference is handed the GPU's expert choice; where the two
// choices differ the reference's own router must show a near-tie at the top-k boundary.
#include <random>

#include <gtest/gtest.h>

#include "model/model_test_util.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

struct Case {
    std::string weight_type;
    int n_prompt;
    session::KvType kv_type;
};

std::string describe(const Case &c) {
    return c.weight_type + "_prompt" + std::to_string(c.n_prompt) + "_" + kv_type_name(c.kv_type);
}

std::string case_name(const ::testing::TestParamInfo<Case> &info) { return describe(info.param); }

// Readable parameter in test listings (ctest names) instead of the struct's raw bytes.
void PrintTo(const Case &c, std::ostream *os) { *os << describe(c); }

class WholeModel : public ::testing::TestWithParam<Case> {};

TEST_P(WholeModel, PrefillThenDecodeMatchesReference) {
    const Case &c = GetParam();
    auto ctx = open_context(c.weight_type, c.kv_type, 128);
    if (!ctx) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    reference::Forward ref(ctx->model(), 128, reference_kv_type(c.kv_type));
    std::mt19937 rng(1234 + c.n_prompt);
    std::uniform_int_distribution<int32_t> token(0, (int32_t)ctx->hparams().n_vocab - 1);
    std::vector<int32_t> prompt(c.n_prompt);
    for (int32_t &t : prompt) t = token(rng);

    std::vector<float> last = eval_and_compare(*ctx, ref, prompt, "prompt");
    ASSERT_FALSE(last.empty());
    for (int step = 0; step < 16; ++step) {
        // Greedy next token from the GPU's logits, so both sides see the same sequence.
        const int32_t next = (int32_t)argmax(last.data(), last.size());
        last = eval_and_compare(*ctx, ref, {next}, "decode step " + std::to_string(step));
        ASSERT_FALSE(last.empty());
    }
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (const char *type : {"f32", "f16", "bf16", "q8_0", "q4_0"})
        for (int n : {1, 7, 64}) cases.push_back({type, n, session::KvType::kF16});
    // Q4_K_M-style mix (Q4_K, Q6_K output and layer-1 attn_v / ffn_down) on a 256-wide tiny shape
    for (int n : {7, 64}) cases.push_back({"q4_k_m", n, session::KvType::kF16});
    cases.push_back({"q4_0", 7, session::KvType::kF32});
    cases.push_back({"q4_0", 64, session::KvType::kF32});
    cases.push_back({"q4_0", 7, session::KvType::kQ8_0});
    cases.push_back({"q4_0", 64, session::KvType::kQ8_0});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(TinyQwen3Moe, WholeModel, ::testing::ValuesIn(all_cases()), case_name);

// The same tokens split differently into calls agree within the whole-model tier at every position.
TEST(WholeModelSplits, OneCallAndSingleTokenCallsAgree) {
    auto whole = open_context("q8_0", session::KvType::kF16, 128);
    auto split = open_context("q8_0", session::KvType::kF16, 128);
    if (!whole || !split) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    const uint32_t n_vocab = whole->hparams().n_vocab;
    std::vector<int32_t> tokens(40);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = (int32_t)((i * 131 + 7) % n_vocab);
    std::vector<float> all(tokens.size() * n_vocab);
    ASSERT_TRUE(whole->eval(tokens.data(), (int32_t)tokens.size(), 0, nullptr, all.data()).is_ok());
    std::vector<float> one(n_vocab);
    for (size_t i = 0; i < tokens.size(); ++i) {
        // Calls of 1, 2, 3, ... tokens would also do; single tokens are the extreme split.
        ASSERT_TRUE(split->eval(&tokens[i], 1, (int32_t)i, one.data()).is_ok());
        EXPECT_EQ(whole_model_check(one.data(), all.data() + i * n_vocab, n_vocab), "") << "position " << i;
    }
}

}  // namespace
}  // namespace moevk::test
