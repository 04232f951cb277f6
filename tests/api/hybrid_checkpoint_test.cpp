// hybrid_checkpoint_test.cpp — lossless memory_seq_rm, checkpoints and snapshots on the tiny hybrid models
// (recurrent state) through the C API, with max_replay_tokens too small to replay from position 0: removal to
// a checkpointed region continues like a fresh context fed the same tokens (bit for bit when the calls are
// the same, whole-model tier otherwise), removal beyond every checkpoint is CANNOT_TRUNCATE with the context
// unchanged, and a snapshot round trip is bit-identical (docs/checkpoints.md, docs/state-format.md v2).
#include <string>

#include "api/api_fixture.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {1, 17, 300, 42, 5, 411, 23, 99, 250, 7, 66, 123};
constexpr int32_t kOther[] = {402, 13, 77};
constexpr int64_t kMaxReplay = 2;

class HybridCheckpoints : public TwoContexts, public ::testing::WithParamInterface<const char *> {
protected:
    void SetUp() override {
        moevk_params *p = moevk_params_create();
        ASSERT_EQ(moevk_params_set_i64(p, "max_replay_tokens", kMaxReplay), MOEVK_OK);
        open_pair(p, std::string(GetParam()) + "-f32");
        moevk_params_free(p);
    }

    // Prompt of 8 (an automatic checkpoint at 8), then 4 decode steps: positions [0, 12).
    void prompt_then_decode(moevk_ctx *ctx) {
        ASSERT_EQ(moevk_eval_prompt(ctx, kPrompt, 8, 0, nullptr), MOEVK_OK) << moevk_last_error(ctx);
        for (int32_t pos = 8; pos < 12; ++pos)
            ASSERT_EQ(moevk_eval_token(ctx, kPrompt[pos], pos, nullptr), MOEVK_OK) << moevk_last_error(ctx);
    }
};

// Replaying one token from the checkpoint at 8 is the same call b_ made (a one-token eval at 8): same bits.
TEST_P(HybridCheckpoints, SeqRmThroughACheckpointContinuesLikeAFreshContext) {
    if (!ready()) return;
    prompt_then_decode(a_);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 9, -1), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 8);
    std::vector<float> l = logits_buffer(a_);
    EXPECT_EQ(moevk_get_logits(a_, l.data(), l.size()), MOEVK_E_INVALID_ARG);  // until the next eval

    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_eval_prompt(a_, kOther, 3, 9, la.data()), MOEVK_OK) << moevk_last_error(a_);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 8, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_token(b_, kPrompt[8], 8, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kOther, 3, 9, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    expect_same_next(31);
}

// Two decode steps replayed as one two-token eval: other calls, so the whole-model tier.
TEST_P(HybridCheckpoints, ReplayOfSeveralTokensAgreesWithinTheWholeModelTier) {
    if (!ready()) return;
    prompt_then_decode(a_);
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 10, -1), MOEVK_OK) << moevk_last_error(a_);
    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_eval_prompt(a_, kOther, 3, 10, la.data()), MOEVK_OK) << moevk_last_error(a_);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 10, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kOther, 3, 10, lb.data()), MOEVK_OK);
    EXPECT_EQ(whole_model_check(la.data(), lb.data(), la.size()), "");
    // The replay checkpointed 10: removing to 10 again replays nothing.
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 10, -1), MOEVK_OK) << moevk_last_error(a_);
    ASSERT_EQ(moevk_memory_seq_rm(b_, 0, 10, -1), MOEVK_OK) << moevk_last_error(b_);
    ASSERT_EQ(moevk_eval_token(a_, 5, 10, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_token(b_, 5, 10, lb.data()), MOEVK_OK);
    EXPECT_EQ(whole_model_check(la.data(), lb.data(), la.size()), "");
}

TEST_P(HybridCheckpoints, SeqRmBeyondEveryCheckpointIsRefusedAndChangesNothing) {
    if (!ready()) return;
    prompt_then_decode(a_);
    prompt_then_decode(b_);
    for (int32_t p0 : {3, 5, 11}) {  // 3, 5: 0 is too far back; 11: 8 is too far back
        EXPECT_EQ(moevk_memory_seq_rm(a_, 0, p0, -1), MOEVK_E_CANNOT_TRUNCATE) << p0;
        EXPECT_NE(std::string(moevk_last_error(a_)).find("max_replay_tokens"), std::string::npos) << moevk_last_error(a_);
    }
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 11);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_get_logits(a_, la.data(), la.size()), MOEVK_OK);
    ASSERT_EQ(moevk_get_logits(b_, lb.data(), lb.size()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    expect_same_next(42);
    // Removing everything needs no checkpoint; neither does removing nothing.
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 0, -1), MOEVK_OK);
    ASSERT_EQ(moevk_memory_clear(b_), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kOther, 3, 0, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kOther, 3, 0, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
}

TEST_P(HybridCheckpoints, ExplicitCheckpointsAndIntervals) {
    if (!ready()) return;
    ASSERT_EQ(moevk_ctx_set_i64(a_, "checkpoint_interval", 3), MOEVK_OK);
    prompt_then_decode(a_);  // 3, 6, 8 (prompt end), 9, 12
    EXPECT_EQ(moevk_checkpoint_count(a_), 5);
    prompt_then_decode(b_);
    ASSERT_EQ(moevk_checkpoint_save(b_, 12), MOEVK_OK) << moevk_last_error(b_);
    // The interval split the prompt at 3 and 6 (other calls than b_'s): whole-model tier.
    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_get_logits(a_, la.data(), la.size()), MOEVK_OK);
    ASSERT_EQ(moevk_get_logits(b_, lb.data(), lb.size()), MOEVK_OK);
    EXPECT_EQ(whole_model_check(la.data(), lb.data(), la.size()), "");
    // Restoring one's own checkpoint continues bit for bit like the session that made it.
    ASSERT_EQ(moevk_eval_token(b_, 3, 12, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_token(b_, 4, 13, lb.data()), MOEVK_OK);
    ASSERT_EQ(moevk_checkpoint_restore(b_, 12), MOEVK_OK) << moevk_last_error(b_);
    ASSERT_EQ(moevk_eval_token(b_, 3, 12, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_token(b_, 4, 13, la.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    // seq_rm to 7 replays one token from the interval checkpoint at 6.
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 7, -1), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_checkpoint_count(a_), 3);  // 3, 6 and the replay's 7
}

TEST_P(HybridCheckpoints, SnapshotRoundTripIsBitIdentical) {
    if (!ready()) return;
    prompt_then_decode(a_);
    const std::vector<uint8_t> snap = save_state(a_);
    ASSERT_GT(snap.size(), 8u);
    EXPECT_EQ(snap[4], 2);  // format_version: hybrid state needs version 2
    ASSERT_EQ(moevk_eval_prompt(b_, kOther, 3, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_state_load(b_, snap.data(), snap.size()), MOEVK_OK) << moevk_last_error(b_);
    EXPECT_EQ(save_state(b_), snap);
    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_get_logits(b_, lb.data(), lb.size()), MOEVK_OK);
    ASSERT_EQ(moevk_get_logits(a_, la.data(), la.size()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    expect_same_next(17);
    expect_same_next(18);
}

// With state_save_checkpoints the restored session keeps its prefix reuse: seq_rm into the prompt region.
TEST_P(HybridCheckpoints, SnapshotWithCheckpointsKeepsPrefixReuse) {
    if (!ready()) return;
    ASSERT_EQ(moevk_ctx_set_i64(a_, "state_save_checkpoints", 1), MOEVK_OK);
    prompt_then_decode(a_);
    const std::vector<uint8_t> with = save_state(a_);
    ASSERT_EQ(moevk_ctx_set_i64(a_, "state_save_checkpoints", 0), MOEVK_OK);
    const std::vector<uint8_t> without = save_state(a_);
    EXPECT_GT(with.size(), without.size());

    ASSERT_EQ(moevk_state_load(b_, without.data(), without.size()), MOEVK_OK) << moevk_last_error(b_);
    EXPECT_EQ(moevk_memory_seq_rm(b_, 0, 9, -1), MOEVK_E_CANNOT_TRUNCATE);  // only 12 is known
    ASSERT_EQ(moevk_state_load(b_, with.data(), with.size()), MOEVK_OK) << moevk_last_error(b_);
    EXPECT_EQ(moevk_checkpoint_count(b_), 2);  // the prompt's 8 and the loaded end
    ASSERT_EQ(moevk_memory_seq_rm(b_, 0, 9, -1), MOEVK_OK) << moevk_last_error(b_);
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 9, -1), MOEVK_OK) << moevk_last_error(a_);
    expect_same_next(kOther[0]);
}

TEST_P(HybridCheckpoints, CheckpointBytesBoundTheStoredState) {
    if (!ready()) return;
    ASSERT_EQ(moevk_ctx_set_i64(a_, "checkpoint_bytes", 0), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 8, 0, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 0);  // the prompt's state does not fit: not kept
    EXPECT_EQ(moevk_checkpoint_save(a_, 8), MOEVK_E_OUT_OF_MEMORY);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, 7, -1), MOEVK_E_CANNOT_TRUNCATE);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 7);
    // -1: back to the automatic limit (at least 256 MiB), which holds the tiny model's state
    EXPECT_EQ(moevk_ctx_set_i64(a_, "checkpoint_bytes", -2), MOEVK_E_INVALID_ARG);
    ASSERT_EQ(moevk_ctx_set_i64(a_, "checkpoint_bytes", -1), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_save(a_, 8), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
}

INSTANTIATE_TEST_SUITE_P(TinyHybrid, HybridCheckpoints, ::testing::Values("qwen35moe", "qwen3next"));

}  // namespace
}  // namespace moevk::test
