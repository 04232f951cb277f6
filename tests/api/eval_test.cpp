// eval_test.cpp — eval_prompt / eval_token / get_logits / memory_* through the C API: the position rules,
// n == 0, CTX_FULL, every bad input (status + message, context unchanged: the next valid call gives the same
// bits as on a context that never saw the bad call), and bit-identical results across runs and splits.
#include <cmath>
#include <thread>

#include "api/api_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {11, 48, 85, 122, 159, 196, 233, 270, 307, 344};
constexpr float kSentinel = -12345.0f;

class Eval : public TwoContexts {
protected:
    void SetUp() override { open_pair(); }

    // Both contexts get the first n tokens of kPrompt.
    void prime(int32_t n) {
        auto logits = logits_buffer(a_);
        ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, n, 0, logits.data()), MOEVK_OK) << moevk_last_error(a_);
        ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, n, 0, logits.data()), MOEVK_OK) << moevk_last_error(b_);
    }

    // After a refused call on a_ only: both contexts continue with the same token; the bits must agree.
    void expect_unchanged(int32_t next_token) { expect_same_next(next_token); }
};

TEST_F(Eval, LogitsAreFiniteAndPositionsAdvance) {
    auto logits = logits_buffer(a_);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 7, 0, logits.data()), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 6);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, -1), 6);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 3), -1);
    for (float v : logits) ASSERT_TRUE(std::isfinite(v));
    ASSERT_EQ(moevk_eval_token(a_, 5, 7, logits.data()), MOEVK_OK);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 7);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 3, 8, nullptr), MOEVK_OK);  // logits NULL is allowed
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 10);
}

TEST_F(Eval, EvalTokenEqualsOneTokenPromptBitForBit) {
    auto la = logits_buffer(a_), lb = logits_buffer(b_);
    for (int32_t pos = 0; pos < 5; ++pos) {
        ASSERT_EQ(moevk_eval_token(a_, kPrompt[pos], pos, la.data()), MOEVK_OK);
        ASSERT_EQ(moevk_eval_prompt(b_, &kPrompt[pos], 1, pos, lb.data()), MOEVK_OK);
        ASSERT_TRUE(same_bits(la, lb)) << "pos " << pos;
    }
}

TEST_F(Eval, TwoRunsAreBitIdentical) {
    auto la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 10, 0, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    for (int32_t pos = 10; pos < 14; ++pos) {
        ASSERT_EQ(moevk_eval_token(a_, pos, pos, la.data()), MOEVK_OK);
        ASSERT_EQ(moevk_eval_token(b_, pos, pos, lb.data()), MOEVK_OK);
        ASSERT_TRUE(same_bits(la, lb)) << "pos " << pos;
    }
}

TEST_F(Eval, ZeroTokensIsANoOp) {
    prime(3);
    std::vector<float> logits(logits_buffer(a_).size(), kSentinel);
    EXPECT_EQ(moevk_eval_prompt(a_, nullptr, 0, 3, logits.data()), MOEVK_OK);
    EXPECT_EQ(moevk_eval_prompt(a_, kPrompt, 0, 3, logits.data()), MOEVK_OK);
    EXPECT_EQ(logits[0], kSentinel);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 2);
    expect_unchanged(9);
}

TEST_F(Eval, TokenOutOfRangeIsRefusedAndChangesNothing) {
    prime(4);
    const int32_t n_vocab = moevk_n_vocab(a_);
    std::vector<float> logits(n_vocab, kSentinel);
    const int32_t bad[] = {1, 2, n_vocab};
    EXPECT_EQ(moevk_eval_prompt(a_, bad, 3, 4, logits.data()), MOEVK_E_INVALID_ARG);
    EXPECT_NE(std::string(moevk_last_error(a_)).find(std::to_string(n_vocab)), std::string::npos)
        << moevk_last_error(a_);
    EXPECT_EQ(moevk_eval_token(a_, -1, 4, logits.data()), MOEVK_E_INVALID_ARG);
    EXPECT_STRNE(moevk_last_error(a_), "");
    EXPECT_EQ(logits[0], kSentinel);  // untouched on failure
    expect_unchanged(17);
}

TEST_F(Eval, PositionNotContinuingIsRefusedAndChangesNothing) {
    prime(5);
    std::vector<float> logits(logits_buffer(a_).size(), kSentinel);
    for (int32_t pos : {0, 4, 6, -1, 1000}) {
        EXPECT_EQ(moevk_eval_token(a_, 3, pos, logits.data()), MOEVK_E_INVALID_ARG) << pos;
        EXPECT_NE(std::string(moevk_last_error(a_)).find("start_pos"), std::string::npos);
    }
    EXPECT_EQ(logits[0], kSentinel);
    expect_unchanged(3);
}

TEST_F(Eval, NullAndNegativeArgumentsAreRefused) {
    prime(2);
    auto logits = logits_buffer(a_);
    EXPECT_EQ(moevk_eval_prompt(a_, nullptr, 3, 2, logits.data()), MOEVK_E_INVALID_ARG);
    EXPECT_STRNE(moevk_last_error(a_), "");
    EXPECT_EQ(moevk_eval_prompt(a_, kPrompt, -1, 2, logits.data()), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_eval_prompt(nullptr, kPrompt, 1, 0, logits.data()), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_eval_token(nullptr, 1, 0, logits.data()), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_get_logits(nullptr, logits.data(), logits.size()), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_get_logits(a_, nullptr, logits.size()), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_memory_clear(nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_memory_seq_rm(nullptr, 0, 0, -1), MOEVK_E_INVALID_ARG);
    moevk_stats st;
    EXPECT_EQ(moevk_get_stats(nullptr, &st), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_get_stats(a_, nullptr), MOEVK_E_INVALID_ARG);
    expect_unchanged(1);
}

TEST_F(Eval, ContextFullIsRefusedAndChangesNothing) {
    moevk_params *p = moevk_params_create();
    ASSERT_EQ(moevk_params_set_i64(p, "n_ctx", 12), MOEVK_OK);
    CtxHolder small, twin;
    MOEVK_OPEN_OR_SKIP(small, p);
    MOEVK_OPEN_OR_SKIP(twin, p);
    moevk_params_free(p);
    auto la = logits_buffer(small), lb = logits_buffer(twin);
    ASSERT_EQ(moevk_eval_prompt(small, kPrompt, 10, 0, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(twin, kPrompt, 10, 0, lb.data()), MOEVK_OK);
    std::vector<float> untouched(la.size(), kSentinel);
    EXPECT_EQ(moevk_eval_prompt(small, kPrompt, 3, 10, untouched.data()), MOEVK_E_CTX_FULL);
    EXPECT_NE(std::string(moevk_last_error(small)).find("n_ctx"), std::string::npos);
    EXPECT_EQ(untouched[0], kSentinel);
    EXPECT_EQ(moevk_memory_seq_pos_max(small, 0), 9);
    // Exactly filling the context still works, and gives the twin's bits.
    ASSERT_EQ(moevk_eval_prompt(small, kPrompt, 2, 10, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(twin, kPrompt, 2, 10, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    EXPECT_EQ(moevk_eval_token(small, 1, 12, la.data()), MOEVK_E_CTX_FULL);
}

TEST_F(Eval, GetLogitsReturnsTheLastLogits) {
    auto out = logits_buffer(a_), got = logits_buffer(a_);
    EXPECT_EQ(moevk_get_logits(a_, got.data(), got.size()), MOEVK_E_INVALID_ARG);  // nothing evaluated
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 6, 0, out.data()), MOEVK_OK);
    ASSERT_EQ(moevk_get_logits(a_, got.data(), got.size()), MOEVK_OK);
    EXPECT_TRUE(same_bits(out, got));
    EXPECT_EQ(moevk_get_logits(a_, got.data(), got.size() - 1), MOEVK_E_BUFFER_TOO_SMALL);
}

TEST_F(Eval, SeqRmThenReevaluationEqualsAFreshContext) {
    auto la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 6, -1), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 5);
    const int32_t other[] = {400, 401, 402};
    ASSERT_EQ(moevk_eval_prompt(a_, other, 3, 6, la.data()), MOEVK_OK);

    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 6, 0, lb.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, other, 3, 6, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
}

TEST_F(Eval, SeqRmRulesAndRefusals) {
    prime(8);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 1, 4, -1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, 2, 4), MOEVK_E_UNSUPPORTED);  // not a tail
    EXPECT_STRNE(moevk_last_error(a_), "");
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, 5, 3), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, 20, -1), MOEVK_OK);  // past the end: nothing to remove
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 7);
    expect_unchanged(42);
    // p1 past the end counts as a tail; p0 < 0 means 0.
    EXPECT_EQ(moevk_memory_seq_rm(a_, -1, 5, 1000), MOEVK_OK);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 4);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, -7, -1), MOEVK_OK);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), -1);
}

TEST_F(Eval, MemoryClearThenEvalEqualsFresh) {
    auto la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_memory_clear(a_), MOEVK_OK);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), -1);
    EXPECT_EQ(moevk_get_logits(a_, la.data(), la.size()), MOEVK_E_INVALID_ARG);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt + 3, 4, 0, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt + 3, 4, 0, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
}

TEST_F(Eval, StatisticsCountTokensAndRespectStructSize) {
    prime(6);
    auto logits = logits_buffer(a_);
    ASSERT_EQ(moevk_eval_token(a_, 1, 6, logits.data()), MOEVK_OK);
    moevk_stats st;
    std::memset(&st, 0xff, sizeof st);
    st.struct_size = sizeof st;
    ASSERT_EQ(moevk_get_stats(a_, &st), MOEVK_OK);
    EXPECT_EQ(st.struct_size, sizeof st);
    EXPECT_EQ(st.tokens_evaluated, 7u);
    EXPECT_EQ(st.prompt_tokens, 6u);
    EXPECT_EQ(st.decode_tokens, 1u);
    EXPECT_EQ(st.expert_hits + st.expert_misses, st.expert_lookups);
    // An older caller with a shorter struct gets only its fields; the rest of its memory is not written.
    struct {
        moevk_stats head;
        uint64_t guard;
    } old;
    std::memset(&old, 0xab, sizeof old);
    old.head.struct_size = offsetof(moevk_stats, expert_lookups);
    ASSERT_EQ(moevk_get_stats(a_, &old.head), MOEVK_OK);
    EXPECT_EQ(old.head.tokens_evaluated, 7u);
    uint64_t pattern;
    std::memset(&pattern, 0xab, sizeof pattern);
    EXPECT_EQ(old.head.expert_lookups, pattern);
    st.struct_size = 4;
    EXPECT_EQ(moevk_get_stats(a_, &st), MOEVK_E_INVALID_ARG);
}

// A refused snapshot load changes nothing (the snapshot tests themselves are in tests/state).
TEST_F(Eval, RefusedSnapshotLoadLeavesTheContextUnchanged) {
    prime(3);
    size_t size = 0;
    ASSERT_EQ(moevk_state_save(a_, nullptr, 0, &size), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_GT(size, 0u);
    const char garbage[] = "not a snapshot at all";
    EXPECT_EQ(moevk_state_load(a_, garbage, sizeof garbage), MOEVK_E_NOT_A_SNAPSHOT);
    EXPECT_EQ(moevk_state_load(a_, nullptr, 0), MOEVK_E_NOT_A_SNAPSHOT);
    expect_unchanged(7);
}

// Several contexts in one process, each used from its own thread, give the same bits as serial use.
TEST_F(Eval, ContextsOnSeparateThreadsAgreeWithSerialRuns) {
    std::vector<float> serial = logits_buffer(a_);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, serial.data()), MOEVK_OK);
    std::vector<float> threaded = logits_buffer(b_);
    std::vector<float> third(threaded.size());
    CtxHolder c;
    MOEVK_OPEN_OR_SKIP(c);
    moevk_status sb = MOEVK_E_INTERNAL, sc = MOEVK_E_INTERNAL;
    std::thread tb([&] { sb = moevk_eval_prompt(b_, kPrompt, 10, 0, threaded.data()); });
    std::thread tc([&] { sc = moevk_eval_prompt(c, kPrompt, 10, 0, third.data()); });
    tb.join();
    tc.join();
    ASSERT_EQ(sb, MOEVK_OK);
    ASSERT_EQ(sc, MOEVK_OK);
    EXPECT_TRUE(same_bits(serial, threaded));
    EXPECT_TRUE(same_bits(serial, third));
}

}  // namespace
}  // namespace moevk::test
