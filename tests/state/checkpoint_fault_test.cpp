// checkpoint_fault_test.cpp — the device failing while a checkpoint's recurrent state is written back
// (injected after the write), on the tiny hybrid model: a failed checkpoint_restore or memory_seq_rm (restore
// from a checkpoint, then replay) puts the previous state back and the context continues exactly like a twin
// that never saw the call, checkpoints included; when putting it back fails too, the session is emptied and
// says so (docs/checkpoints.md).
#include <functional>
#include <memory>
#include <string>

#include "api/ctx.h"
#include "state/state_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {1, 17, 300, 42, 5, 411, 23, 99, 250, 7, 66, 123};

// A device fault on the first `n_fail` recurrent-state writes (-1: on every write).
std::function<Status()> fail_writes(int n_fail) {
    auto count = std::make_shared<int>(0);
    return [count, n_fail] {
        return n_fail < 0 || (*count)++ < n_fail ? device_error("injected device fault") : Status::ok();
    };
}

class CheckpointFault : public StateTest, public ::testing::WithParamInterface<const char *> {
protected:
    void SetUp() override {
        const std::string model = test_model(std::string(GetParam()) + "-f32");
        MOEVK_OPEN_KV(a_, model, "f16");
        MOEVK_OPEN_KV(twin_, model, "f16");
        for (moevk_ctx *ctx : {a_.ctx, twin_.ctx}) {
            // a prompt of 8 (its automatic checkpoint at 8), then 4 decode steps: positions [0, 12)
            ASSERT_EQ(moevk_eval_prompt(ctx, kPrompt, 8, 0, nullptr), MOEVK_OK) << moevk_last_error(ctx);
            for (int32_t pos = 8; pos < 12; ++pos)
                ASSERT_EQ(moevk_eval_token(ctx, kPrompt[pos], pos, nullptr), MOEVK_OK) << moevk_last_error(ctx);
            ASSERT_EQ(moevk_checkpoint_count(ctx), 1);
        }
    }
    void inject(int n_fail) { a_.ctx->session->recurrent_write_fault_for_testing = fail_writes(n_fail); }
    void heal() { a_.ctx->session->recurrent_write_fault_for_testing = nullptr; }
    std::string error() const { return moevk_last_error(a_); }

    // Unchanged: same positions, logits and checkpoints as the twin, and the same next-token bits; then
    // both still return to the checkpoint at 8 alike.
    void expect_unchanged() {
        EXPECT_EQ(moevk_checkpoint_count(a_), moevk_checkpoint_count(twin_));
        expect_same_continuation(a_, twin_, 31);
        ASSERT_EQ(moevk_checkpoint_restore(a_, 8), MOEVK_OK) << error();
        ASSERT_EQ(moevk_checkpoint_restore(twin_, 8), MOEVK_OK) << moevk_last_error(twin_);
        std::vector<float> la = logits_buffer(a_), lt = logits_buffer(twin_);
        ASSERT_EQ(moevk_eval_token(a_, 44, 8, la.data()), MOEVK_OK) << error();
        ASSERT_EQ(moevk_eval_token(twin_, 44, 8, lt.data()), MOEVK_OK);
        EXPECT_TRUE(same_bits(la, lt)) << "after returning to the checkpoint at 8";
    }
    // Emptied: no positions, no checkpoints, and a fresh prompt works.
    void expect_emptied() {
        EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), -1);
        EXPECT_EQ(moevk_checkpoint_count(a_), 0);
        ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 8, 0, nullptr), MOEVK_OK) << error();
    }
    CtxHolder a_, twin_;
};

TEST_P(CheckpointFault, FailedRestoreLeavesTheContextUnchanged) {
    inject(1);  // the checkpoint's state fails; writing the previous state back works
    EXPECT_EQ(moevk_checkpoint_restore(a_, 8), MOEVK_E_DEVICE);
    EXPECT_NE(error().find("unchanged"), std::string::npos) << error();
    heal();
    expect_unchanged();
}

TEST_P(CheckpointFault, FailedRestoreAndUndoEmptiesTheSession) {
    inject(-1);
    EXPECT_EQ(moevk_checkpoint_restore(a_, 8), MOEVK_E_DEVICE);
    EXPECT_NE(error().find("cleared"), std::string::npos) << error();
    heal();
    expect_emptied();
}

// memory_seq_rm from 10: the state of the checkpoint at 8 is written, then 2 tokens are replayed.
TEST_P(CheckpointFault, FailedSeqRmLeavesTheContextUnchanged) {
    inject(1);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, 10, -1), MOEVK_E_DEVICE);
    EXPECT_NE(error().find("unchanged"), std::string::npos) << error();
    heal();
    expect_unchanged();
}

TEST_P(CheckpointFault, FailedSeqRmAndUndoEmptiesTheSession) {
    inject(-1);
    EXPECT_EQ(moevk_memory_seq_rm(a_, 0, 10, -1), MOEVK_E_DEVICE);
    EXPECT_NE(error().find("cleared"), std::string::npos) << error();
    heal();
    expect_emptied();
}

INSTANTIATE_TEST_SUITE_P(TinyHybrid, CheckpointFault, ::testing::Values("qwen35moe", "qwen3next"));

}  // namespace
}  // namespace moevk::test
