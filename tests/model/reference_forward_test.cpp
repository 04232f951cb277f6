// reference_forward_test.cpp — self-consistency of the CPU reference forward pass on the generated tiny
// models (every weight type): batching, truncation, determinism and the routing hook must not change a bit.
// It checks the oracle against itself only; GPU-vs-reference comparisons live with the session tests.
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

constexpr uint32_t kCtx = 32;

class ReferenceForward : public test::TinyReferenceModel {
protected:
    ReferenceForward() : TinyReferenceModel(7) {}
};

TEST_P(ReferenceForward, LogitsAreFiniteAndNotConstant) {
    Forward forward(*model_, kCtx);
    const std::vector<float> logits = forward.eval(tokens_.data(), tokens_.size());
    ASSERT_EQ(logits.size(), tokens_.size() * n_vocab_);
    EXPECT_EQ(forward.n_past(), tokens_.size());
    for (size_t i = 0; i < logits.size(); ++i) ASSERT_TRUE(std::isfinite(logits[i])) << "logit " << i;
    bool varies = false;
    for (size_t i = 1; i < n_vocab_; ++i) varies = varies || logits[i] != logits[0];
    EXPECT_TRUE(varies) << "all logits of position 0 are equal: the model or the pass is degenerate";
}

TEST_P(ReferenceForward, OneCallEqualsOneTokenPerCall) {
    Forward batched(*model_, kCtx), single(*model_, kCtx);
    const std::vector<float> all = batched.eval(tokens_.data(), tokens_.size());
    std::vector<float> one_by_one;
    for (int32_t token : tokens_) {
        const std::vector<float> logits = single.eval(&token, 1);
        one_by_one.insert(one_by_one.end(), logits.begin(), logits.end());
    }
    expect_same_bits(all, one_by_one);
}

TEST_P(ReferenceForward, SameCallsGiveSameBits) {
    Forward first(*model_, kCtx), second(*model_, kCtx);
    expect_same_bits(first.eval(tokens_.data(), tokens_.size()), second.eval(tokens_.data(), tokens_.size()));
}

TEST_P(ReferenceForward, TruncateThenReevalEqualsFresh) {
    const size_t n_keep = 3;
    std::vector<int32_t> replacement = {tokens_[6], tokens_[5], (int32_t)(n_vocab_ - 1), 0};
    Forward reused(*model_, kCtx);
    reused.eval(tokens_.data(), tokens_.size());
    reused.truncate((uint32_t)n_keep);
    EXPECT_EQ(reused.n_past(), n_keep);
    const std::vector<float> after_truncate = reused.eval(replacement.data(), replacement.size());

    std::vector<int32_t> combined(tokens_.begin(), tokens_.begin() + n_keep);
    combined.insert(combined.end(), replacement.begin(), replacement.end());
    Forward fresh(*model_, kCtx);
    const std::vector<float> all = fresh.eval(combined.data(), combined.size());
    const std::vector<float> tail(all.begin() + n_keep * n_vocab_, all.end());
    expect_same_bits(after_truncate, tail);
}

TEST_P(ReferenceForward, IdentityRoutingHookChangesNothing) {
    Forward plain(*model_, kCtx), hooked(*model_, kCtx);
    size_t calls = 0;
    const RoutingHook identity = [&](uint32_t layer, int32_t pos, Routing &routing) {
        EXPECT_LT(layer, model_->hp.n_layer);
        EXPECT_EQ(pos, (int32_t)(calls / model_->hp.n_layer));
        EXPECT_EQ(routing.ids.size(), model_->hp.n_expert_used);
        ++calls;
    };
    expect_same_bits(plain.eval(tokens_.data(), tokens_.size()),
                     hooked.eval(tokens_.data(), tokens_.size(), identity));
    EXPECT_EQ(calls, tokens_.size() * model_->hp.n_layer);
}

TEST_P(ReferenceForward, HookWeightsAreRecomputedFromTheRouter) {
    // the hook may only choose ids; whatever it writes into the weights is replaced by the router's own
    Forward plain(*model_, kCtx), hooked(*model_, kCtx);
    const RoutingHook scribble = [](uint32_t, int32_t, Routing &routing) {
        for (float &w : routing.weights) w = 1234.5f;
    };
    expect_same_bits(plain.eval(tokens_.data(), tokens_.size()),
                     hooked.eval(tokens_.data(), tokens_.size(), scribble));
}

TEST_P(ReferenceForward, HookChoosingOtherExpertsChangesLogits) {
    const model::HParams &hp = model_->hp;
    if (hp.n_expert_used >= hp.n_expert) GTEST_SKIP() << "every expert is always used";
    Forward plain(*model_, kCtx), hooked(*model_, kCtx);
    // replace the choice by the experts the router ranked lowest (a different set whenever k < n_expert)
    const RoutingHook other = [&](uint32_t, int32_t, Routing &routing) {
        std::vector<bool> chosen(hp.n_expert, false);
        for (int32_t id : routing.ids) chosen[(size_t)id] = true;
        size_t j = 0;
        for (uint32_t e = 0; e < hp.n_expert && j < routing.ids.size(); ++e)
            if (!chosen[e]) routing.ids[j++] = (int32_t)e;
    };
    const std::vector<float> a = plain.eval(tokens_.data(), 1);
    const std::vector<float> b = hooked.eval(tokens_.data(), 1, other);
    EXPECT_NE(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

TEST_P(ReferenceForward, RefusedCallsAppendNothing) {
    const model::HParams &hp = model_->hp;
    Forward forward(*model_, 8);
    forward.eval(tokens_.data(), 2);
    const int32_t bad_token = (int32_t)hp.n_vocab;
    EXPECT_THROW(forward.eval(&bad_token, 1), std::out_of_range);
    EXPECT_THROW(forward.eval(tokens_.data(), 7), std::out_of_range);  // 2 + 7 > n_ctx 8
    const RoutingHook too_few = [](uint32_t, int32_t, Routing &routing) { routing.ids.pop_back(); };
    EXPECT_THROW(forward.eval(tokens_.data(), 1, too_few), std::invalid_argument);
    // a hook failure happens mid-token; nothing is appended, so evaluating position 2 again is still exact
    EXPECT_EQ(forward.n_past(), 2u);
    Forward fresh(*model_, 8);
    const std::vector<float> expected = fresh.eval(tokens_.data(), 3);
    const std::vector<float> next = forward.eval(tokens_.data() + 2, 1);
    expect_same_bits(next, std::vector<float>(expected.begin() + 2 * n_vocab_, expected.end()));
}

INSTANTIATE_TEST_SUITE_P(TinyModels, ReferenceForward,
                         ::testing::Values("f32", "f16", "bf16", "q8_0", "q4_0"),
                         [](const ::testing::TestParamInfo<std::string> &info) { return info.param; });

}  // namespace
}  // namespace moevk::reference
