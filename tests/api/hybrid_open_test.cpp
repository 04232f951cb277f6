// hybrid_open_test.cpp — the hybrid models (qwen35moe, qwen3next) through the C API: a context opens,
// evaluates a prompt and decodes; removing every position (memory_seq_rm from 0, memory_clear) restarts
// from the zero recurrent state, so the same prompt gives the same bits again. And the GPU's recurrent
// state reaches the checkpoints and snapshots (docs/checkpoints.md): removing the decoded token restores the
// prompt's checkpoint, and a snapshot loaded into a fresh context continues bit for bit.
#include <string>

#include "api/api_fixture.h"

namespace moevk::test {
namespace {

class HybridApi : public ApiTest, public ::testing::WithParamInterface<const char *> {};

TEST_P(HybridApi, OpensEvaluatesAndRestartsFromZero) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h, nullptr, std::string(GetParam()) + "-f32");
    const int32_t n_vocab = moevk_n_vocab(h);
    const int32_t prompt[] = {1, 17, 300, 42, 5, 511};
    std::vector<float> after_prompt = logits_buffer(h), a = logits_buffer(h), b = logits_buffer(h);
    ASSERT_EQ(moevk_eval_prompt(h, prompt, 6, 0, after_prompt.data()), MOEVK_OK) << moevk_last_error(h);
    ASSERT_EQ(moevk_eval_token(h, 9, 6, a.data()), MOEVK_OK) << moevk_last_error(h);
    EXPECT_EQ(moevk_memory_seq_pos_max(h, 0), 6);
    ASSERT_EQ(moevk_get_logits(h, b.data(), (size_t)n_vocab), MOEVK_OK);
    EXPECT_TRUE(same_bits(a, b));

    // removing every position restarts from the zero state: the prompt gives the same logits again
    ASSERT_EQ(moevk_memory_seq_rm(h, 0, 0, -1), MOEVK_OK) << moevk_last_error(h);
    EXPECT_EQ(moevk_memory_seq_pos_max(h, 0), -1);
    ASSERT_EQ(moevk_eval_prompt(h, prompt, 6, 0, b.data()), MOEVK_OK) << moevk_last_error(h);
    EXPECT_TRUE(same_bits(after_prompt, b));
    ASSERT_EQ(moevk_memory_clear(h), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(h, prompt, 6, 0, b.data()), MOEVK_OK) << moevk_last_error(h);
    EXPECT_TRUE(same_bits(after_prompt, b));
}

TEST_P(HybridApi, CheckpointsAndSnapshotsCarryTheRecurrentState) {
    CtxHolder h, fresh;
    MOEVK_OPEN_OR_SKIP(h, nullptr, std::string(GetParam()) + "-f32");
    MOEVK_OPEN_OR_SKIP(fresh, nullptr, std::string(GetParam()) + "-f32");
    const int32_t prompt[] = {3, 99, 250, 7, 401};
    std::vector<float> a = logits_buffer(h), b = logits_buffer(h);
    ASSERT_EQ(moevk_eval_prompt(h, prompt, 5, 0, nullptr), MOEVK_OK) << moevk_last_error(h);  // checkpoints 5
    ASSERT_EQ(moevk_eval_token(h, 11, 5, a.data()), MOEVK_OK) << moevk_last_error(h);
    ASSERT_EQ(moevk_eval_token(h, 12, 6, nullptr), MOEVK_OK) << moevk_last_error(h);
    ASSERT_EQ(moevk_memory_seq_rm(h, 0, 5, -1), MOEVK_OK) << moevk_last_error(h);
    ASSERT_EQ(moevk_eval_token(h, 11, 5, b.data()), MOEVK_OK) << moevk_last_error(h);
    EXPECT_TRUE(same_bits(a, b)) << "after restoring the prompt's checkpoint";

    size_t size = 0;
    ASSERT_EQ(moevk_state_save(h, nullptr, 0, &size), MOEVK_OK) << moevk_last_error(h);
    std::vector<uint8_t> snap(size);
    ASSERT_EQ(moevk_state_save(h, snap.data(), snap.size(), &size), MOEVK_OK) << moevk_last_error(h);
    ASSERT_EQ(moevk_state_load(fresh, snap.data(), size), MOEVK_OK) << moevk_last_error(fresh);
    ASSERT_EQ(moevk_eval_token(h, 12, 6, a.data()), MOEVK_OK) << moevk_last_error(h);
    ASSERT_EQ(moevk_eval_token(fresh, 12, 6, b.data()), MOEVK_OK) << moevk_last_error(fresh);
    EXPECT_TRUE(same_bits(a, b)) << "after loading the snapshot";
}

INSTANTIATE_TEST_SUITE_P(TinyHybrid, HybridApi, ::testing::Values("qwen35moe", "qwen3next"));

}  // namespace
}  // namespace moevk::test
