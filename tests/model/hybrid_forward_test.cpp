// hybrid_forward_test.cpp — self-consistency of the CPU reference on the tiny hybrid models (qwen3next,
// qwen35moe; 3 GatedDeltaNet layers + 1 gated attention layer): one call equals one token per call bit for
// bit, runs are deterministic, logits stay finite and O(1) over a long run (the recurrence is stable), a
// refused call leaves the recurrent state untouched, and truncation refuses to rewind the recurrent state.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/model.h"
#include "model/model_test_util.h"
#include "reference/forward.h"

namespace moevk::reference {
namespace {

using test::expect_same_bits;

constexpr uint32_t kCtx = 160;

class HybridForward : public test::TinyReferenceModel {
protected:
    HybridForward() : TinyReferenceModel(9) {}
};

TEST_P(HybridForward, IsAHybrid) {
    EXPECT_TRUE(model_->hp.is_hybrid());
    EXPECT_TRUE(model_->hp.is_recurrent(0));
    EXPECT_FALSE(model_->hp.is_recurrent(3));
}

TEST_P(HybridForward, LogitsAreFiniteAndNotConstant) {
    Forward forward(*model_, kCtx);
    const std::vector<float> logits = forward.eval(tokens_.data(), tokens_.size());
    ASSERT_EQ(logits.size(), tokens_.size() * n_vocab_);
    for (size_t i = 0; i < logits.size(); ++i) ASSERT_TRUE(std::isfinite(logits[i])) << "logit " << i;
    for (size_t pos = 0; pos < tokens_.size(); ++pos) {
        bool varies = false;
        for (size_t i = 1; i < n_vocab_; ++i) varies = varies || logits[pos * n_vocab_ + i] != logits[pos * n_vocab_];
        EXPECT_TRUE(varies) << "position " << pos;
    }
}

TEST_P(HybridForward, OneCallEqualsOneTokenPerCall) {
    Forward batched(*model_, kCtx), single(*model_, kCtx);
    const std::vector<float> all = batched.eval(tokens_.data(), tokens_.size());
    std::vector<float> one_by_one;
    for (int32_t t : tokens_) {
        const std::vector<float> l = single.eval(&t, 1);
        one_by_one.insert(one_by_one.end(), l.begin(), l.end());
    }
    expect_same_bits(all, one_by_one);
    Forward split(*model_, kCtx);  // 4 + 5
    std::vector<float> parts = split.eval(tokens_.data(), 4);
    const std::vector<float> rest = split.eval(tokens_.data() + 4, tokens_.size() - 4);
    parts.insert(parts.end(), rest.begin(), rest.end());
    expect_same_bits(all, parts);
}

TEST_P(HybridForward, SameCallsGiveSameBits) {
    Forward a(*model_, kCtx), b(*model_, kCtx);
    expect_same_bits(a.eval(tokens_.data(), tokens_.size()), b.eval(tokens_.data(), tokens_.size()));
}

TEST_P(HybridForward, TheStateMatters) {
    // the same token after different histories gives different logits (the recurrent layers remember)
    Forward a(*model_, kCtx), b(*model_, kCtx);
    const int32_t t1 = 5, t2 = 300, last = 42;
    a.eval(&t1, 1);
    b.eval(&t2, 1);
    const std::vector<float> la = a.eval(&last, 1), lb = b.eval(&last, 1);
    EXPECT_NE(std::memcmp(la.data(), lb.data(), la.size() * sizeof(float)), 0);
}

TEST_P(HybridForward, LongRunStaysBounded) {
    Forward forward(*model_, kCtx);
    std::vector<int32_t> tokens;
    for (uint32_t i = 0; i < 128; ++i) tokens.push_back((int32_t)((i * 131 + 7) % n_vocab_));
    const std::vector<float> logits = forward.eval(tokens.data(), tokens.size());
    double max_abs = 0;
    for (float l : logits) {
        ASSERT_TRUE(std::isfinite(l));
        max_abs = std::max(max_abs, (double)std::fabs(l));
    }
    EXPECT_LT(max_abs, 100.0) << "activations grow: the generated weights or the recurrence are unstable";
    EXPECT_GT(max_abs, 0.1);
}

TEST_P(HybridForward, TruncateOnlyToZeroOrTheEnd) {
    Forward forward(*model_, kCtx), fresh(*model_, kCtx);
    forward.eval(tokens_.data(), tokens_.size());
    EXPECT_THROW(forward.truncate(4), std::invalid_argument);
    EXPECT_EQ(forward.n_past(), tokens_.size());
    forward.truncate((uint32_t)tokens_.size());  // the end: nothing to drop
    forward.truncate(1000);
    EXPECT_EQ(forward.n_past(), tokens_.size());
    forward.truncate(0);  // a reset, like a fresh context
    EXPECT_EQ(forward.n_past(), 0u);
    expect_same_bits(forward.eval(tokens_.data(), 3), fresh.eval(tokens_.data(), 3));
}

TEST_P(HybridForward, RefusedCallsLeaveTheStateUnchanged) {
    Forward forward(*model_, kCtx), reference(*model_, kCtx);
    forward.eval(tokens_.data(), 3);
    reference.eval(tokens_.data(), 3);
    // a hook throwing at the second token of a call: the first token's state update must be undone
    int calls = 0;
    auto throwing = [&](uint32_t, int32_t pos, Routing &) {
        ++calls;
        if (pos == 4) throw std::runtime_error("hook");
    };
    EXPECT_THROW(forward.eval(tokens_.data() + 3, 3, throwing), std::runtime_error);
    EXPECT_GT(calls, 0);
    EXPECT_EQ(forward.n_past(), 3u);
    const int32_t bad = (int32_t)n_vocab_;
    EXPECT_THROW(forward.eval(&bad, 1), std::out_of_range);
    expect_same_bits(forward.eval(tokens_.data() + 3, 4), reference.eval(tokens_.data() + 3, 4));
}

INSTANTIATE_TEST_SUITE_P(TinyHybrids, HybridForward,
                         ::testing::Values("qwen3next-f32", "qwen35moe-f32", "qwen35moe-q8_0"));

TEST(HybridForwardArchs, HeadMappingsDiffer) {
    // The two tiny files hold the same weights (same seed, same tensor names except beta/alpha), so the logits
    // differ only through the beta/alpha layout and the value-to-key head mapping; they must differ.
    auto a = model::load_model(std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-qwen3next-f32.gguf");
    auto b = model::load_model(std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-qwen35moe-f32.gguf");
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    Forward fa(*a.value(), 8), fb(*b.value(), 8);
    const int32_t t[3] = {1, 2, 3};
    const std::vector<float> la = fa.eval(t, 3), lb = fb.eval(t, 3);
    EXPECT_NE(std::memcmp(la.data(), lb.data(), la.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace moevk::reference
