// checkpoint_snapshot_test.cpp — snapshots and checkpoints through the C API on the KV-only test model: by
// default a file is version 1 (readable by every moevk) and carries no checkpoints; with
// state_save_checkpoints 1 it is version 2 and a session restored from it keeps its checkpoints, so
// restoring one continues bit for bit like the original session.
#include "state/state_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {7, 301, 44, 90, 12, 500, 3, 77, 260, 15, 9, 128};

class CheckpointSnapshot : public StateTest {};

TEST_F(CheckpointSnapshot, DefaultFilesAreVersion1WithoutCheckpoints) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(b, test_model(), "f16");
    ASSERT_EQ(moevk_ctx_set_i64(a, "checkpoint_interval", 2), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 7, 0, nullptr), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_count(a), 4);  // 2, 4, 6, 7
    const std::vector<uint8_t> snap = save_bytes(a);
    ASSERT_GT(snap.size(), 8u);
    EXPECT_EQ(snap[4], 1);  // format_version
    ASSERT_EQ(moevk_state_load(b, snap.data(), snap.size()), MOEVK_OK) << moevk_last_error(b);
    EXPECT_EQ(moevk_checkpoint_count(b), 1);  // only the loaded end
    EXPECT_EQ(moevk_checkpoint_restore(b, 7), MOEVK_OK);
    EXPECT_EQ(moevk_checkpoint_restore(b, 4), MOEVK_E_NO_CHECKPOINT);
}

TEST_F(CheckpointSnapshot, CarriedCheckpointsSurviveALoad) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(b, test_model(), "f16");
    ASSERT_EQ(moevk_ctx_set_i64(a, "state_save_checkpoints", 1), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 5, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt + 5, 4, 5, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_token(a, kPrompt[9], 9, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_checkpoint_count(a), 2);  // 5 and 9
    const std::vector<uint8_t> snap = save_bytes(a);
    EXPECT_EQ(snap[4], 2);
    ASSERT_EQ(moevk_eval_prompt(b, kPrompt, 3, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_state_load(b, snap.data(), snap.size()), MOEVK_OK) << moevk_last_error(b);
    EXPECT_EQ(moevk_checkpoint_count(b), 3);  // 5, 9 and the loaded end, 10
    expect_same_continuation(b, a, 42);
    ASSERT_EQ(moevk_checkpoint_restore(a, 5), MOEVK_OK);
    ASSERT_EQ(moevk_checkpoint_restore(b, 5), MOEVK_OK) << moevk_last_error(b);
    expect_same_continuation(b, a, 11);
}

}  // namespace
}  // namespace moevk::test
