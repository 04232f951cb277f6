// checkpoint_test.cpp — moevk_checkpoint_* and the checkpoint rules of memory_seq_rm through the C API on the
// KV-only test model (qwen3moe: a checkpoint is a position): automatic checkpoints, eviction, restore =
// a fresh context fed the same calls (bit for bit), refusals that change nothing.
#include "api/api_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {11, 48, 85, 122, 159, 196, 233, 270, 307, 344, 381, 418};
constexpr int32_t kOther[] = {400, 401, 402};

class Checkpoints : public TwoContexts {
protected:
    void SetUp() override { open_pair(); }
};

TEST_F(Checkpoints, NullContext) {
    EXPECT_EQ(moevk_checkpoint_count(nullptr), 0);
    EXPECT_EQ(moevk_checkpoint_save(nullptr, 0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_checkpoint_restore(nullptr, 0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_checkpoint_forget(nullptr, 0), MOEVK_E_INVALID_ARG);
}

TEST_F(Checkpoints, SettingsAreCheckedAndKnown) {
    EXPECT_EQ(moevk_ctx_set_i64(a_, "state_save_checkpoints", 1), MOEVK_OK);
    EXPECT_EQ(moevk_ctx_set_i64(a_, "state_save_checkpoints", 2), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_ctx_set_i64(a_, "max_checkpoints", 0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_ctx_set_i64(a_, "max_replay_tokens", -1), MOEVK_E_INVALID_ARG);
    moevk_params *p = moevk_params_create();
    EXPECT_EQ(moevk_params_set_i64(p, "state_save_checkpoints", 1), MOEVK_OK);
    moevk_params_free(p);
}

TEST_F(Checkpoints, SaveOnlyAtTheEnd) {
    EXPECT_EQ(moevk_checkpoint_count(a_), 0);
    ASSERT_EQ(moevk_checkpoint_save(a_, 0), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    EXPECT_EQ(moevk_checkpoint_save(a_, 1), MOEVK_E_INVALID_ARG);
    EXPECT_STRNE(moevk_last_error(a_), "");
    ASSERT_EQ(moevk_eval_token(a_, kPrompt[0], 0, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_save(a_, 0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_checkpoint_save(a_, 2), MOEVK_E_INVALID_ARG);
    ASSERT_EQ(moevk_checkpoint_save(a_, 1), MOEVK_OK);
    ASSERT_EQ(moevk_checkpoint_save(a_, 1), MOEVK_OK);  // saving again replaces it
    EXPECT_EQ(moevk_checkpoint_count(a_), 2);
}

TEST_F(Checkpoints, PromptsCheckpointTheirEndDecodeStepsDoNot) {
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 6, 0, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    ASSERT_EQ(moevk_eval_token(a_, kPrompt[6], 6, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    EXPECT_EQ(moevk_checkpoint_forget(a_, 7), MOEVK_E_NO_CHECKPOINT);
    ASSERT_EQ(moevk_checkpoint_forget(a_, 6), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 0);
}

TEST_F(Checkpoints, IntervalCheckpoints) {
    ASSERT_EQ(moevk_ctx_set_i64(a_, "checkpoint_interval", 4), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, nullptr), MOEVK_OK);  // 4, 8 and the end, 10
    EXPECT_EQ(moevk_checkpoint_count(a_), 3);
    ASSERT_EQ(moevk_eval_token(a_, kPrompt[10], 10, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_token(a_, kPrompt[11], 11, nullptr), MOEVK_OK);  // reaches 12: a boundary
    EXPECT_EQ(moevk_checkpoint_count(a_), 4);
    for (int32_t pos : {4, 8, 10, 12}) EXPECT_EQ(moevk_checkpoint_forget(a_, pos), MOEVK_OK) << pos;
}

TEST_F(Checkpoints, RestoreThenContinueEqualsAFreshContext) {
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 8, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt + 8, 4, 8, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 2);  // 8 and 12
    ASSERT_EQ(moevk_checkpoint_restore(a_, 8), MOEVK_OK) << moevk_last_error(a_);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), 7);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);  // the one at 12 described a future that is gone
    std::vector<float> l = logits_buffer(a_);
    EXPECT_EQ(moevk_get_logits(a_, l.data(), l.size()), MOEVK_E_INVALID_ARG);  // until the next eval

    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_eval_prompt(a_, kOther, 3, 8, la.data()), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 8, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kOther, 3, 8, lb.data()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    // Restoring the same checkpoint twice works: it stays.
    ASSERT_EQ(moevk_checkpoint_restore(a_, 8), MOEVK_OK);
    ASSERT_EQ(moevk_memory_seq_rm(b_, 0, 8, -1), MOEVK_OK);
    expect_same_next(7);
}

TEST_F(Checkpoints, MissingCheckpointIsRefusedAndChangesNothing) {
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 6, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 6, 0, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_restore(a_, 3), MOEVK_E_NO_CHECKPOINT);
    EXPECT_STRNE(moevk_last_error(a_), "");
    EXPECT_EQ(moevk_checkpoint_forget(a_, 3), MOEVK_E_NO_CHECKPOINT);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    std::vector<float> la = logits_buffer(a_), lb = logits_buffer(b_);
    ASSERT_EQ(moevk_get_logits(a_, la.data(), la.size()), MOEVK_OK);
    ASSERT_EQ(moevk_get_logits(b_, lb.data(), lb.size()), MOEVK_OK);
    EXPECT_TRUE(same_bits(la, lb));
    expect_same_next(42);
}

TEST_F(Checkpoints, EvictionKeepsPositionZeroAndTheNewest) {
    ASSERT_EQ(moevk_ctx_set_i64(a_, "max_checkpoints", 3), MOEVK_OK);
    ASSERT_EQ(moevk_checkpoint_save(a_, 0), MOEVK_OK);
    for (int32_t pos = 0; pos < 6; ++pos) {
        ASSERT_EQ(moevk_eval_token(a_, kPrompt[pos], pos, nullptr), MOEVK_OK);
        ASSERT_EQ(moevk_checkpoint_save(a_, pos + 1), MOEVK_OK);
        EXPECT_LE(moevk_checkpoint_count(a_), 3);
    }
    // Kept: 0 (never evicted), 6 (the newest) and 5 (the next newest); 1..4 went oldest first.
    EXPECT_EQ(moevk_checkpoint_count(a_), 3);
    for (int32_t pos = 1; pos <= 4; ++pos) EXPECT_EQ(moevk_checkpoint_restore(a_, pos), MOEVK_E_NO_CHECKPOINT);
    ASSERT_EQ(moevk_checkpoint_restore(a_, 5), MOEVK_OK);
    ASSERT_EQ(moevk_checkpoint_restore(a_, 0), MOEVK_OK);
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), -1);
    EXPECT_EQ(moevk_checkpoint_count(a_), 1);
    // Lowering the limit applies at once, still sparing position 0 and the newest.
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 4, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt + 4, 4, 4, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 3);
    ASSERT_EQ(moevk_ctx_set_i64(a_, "max_checkpoints", 1), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 2);
    EXPECT_EQ(moevk_checkpoint_forget(a_, 0), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_forget(a_, 8), MOEVK_OK);
}

TEST_F(Checkpoints, SeqRmAndClearDropLaterCheckpoints) {
    ASSERT_EQ(moevk_ctx_set_i64(a_, "checkpoint_interval", 3), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, nullptr), MOEVK_OK);  // 3, 6, 9, 10
    EXPECT_EQ(moevk_checkpoint_count(a_), 4);
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 6, -1), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 2);  // 3 and 6 (the state after [0, 6) is still held)
    ASSERT_EQ(moevk_checkpoint_restore(a_, 6), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_restore(a_, 9), MOEVK_E_NO_CHECKPOINT);
    ASSERT_EQ(moevk_memory_clear(a_), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a_), 0);
}

// A model without recurrent state truncates exactly, however small max_replay_tokens is.
TEST_F(Checkpoints, KvOnlySeqRmNeedsNoReplay) {
    ASSERT_EQ(moevk_ctx_set_i64(a_, "max_replay_tokens", 0), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 10, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_memory_seq_rm(a_, 0, 3, -1), MOEVK_OK) << moevk_last_error(a_);
    ASSERT_EQ(moevk_eval_prompt(b_, kPrompt, 3, 0, nullptr), MOEVK_OK);
    expect_same_next(9);
}

}  // namespace
}  // namespace moevk::test
