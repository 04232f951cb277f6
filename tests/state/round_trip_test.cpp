// round_trip_test.cpp — save and load through the C API: continuing after a load gives the same bits as
// continuing the original session (every KV type), get_logits after load, the size query and
// BUFFER_TOO_SMALL, empty sessions and sessions without logits, and every refusal that depends on the
// context (other model of the same shape, other KV type, n_ctx too small) leaving the context unchanged.
#include "state/state_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {7, 301, 44, 90, 12, 500, 3, 77, 260, 15, 9, 128};
constexpr int32_t kSavedAt = 9;                   // positions held by the snapshot
constexpr int32_t kContinue[] = {31, 402, 5, 66}; // tokens evaluated after it

class RoundTrip : public StateTest, public ::testing::WithParamInterface<const char *> {};

// Save at position N, continue k tokens; load in a fresh context, continue the same k tokens: same bits.
TEST_P(RoundTrip, ContinuesBitIdenticallyInAFreshContext) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), GetParam());
    MOEVK_OPEN_KV(b, test_model(), GetParam());
    std::vector<float> before = logits_buffer(a);
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, kSavedAt, 0, before.data()), MOEVK_OK) << moevk_last_error(a);
    const std::vector<uint8_t> snap = save_bytes(a);

    std::vector<std::vector<float>> expected;
    for (int32_t i = 0; i < 4; ++i) {
        expected.push_back(logits_buffer(a));
        ASSERT_EQ(moevk_eval_token(a, kContinue[i], kSavedAt + i, expected.back().data()), MOEVK_OK);
    }

    ASSERT_EQ(moevk_state_load(b, snap.data(), snap.size()), MOEVK_OK) << moevk_last_error(b);
    EXPECT_EQ(moevk_memory_seq_pos_max(b, 0), kSavedAt - 1);
    EXPECT_TRUE(same_bits(logits_of(b), before)) << "get_logits after load differs from the logits at save";
    for (int32_t i = 0; i < 4; ++i) {
        std::vector<float> got = logits_buffer(b);
        ASSERT_EQ(moevk_eval_token(b, kContinue[i], kSavedAt + i, got.data()), MOEVK_OK) << moevk_last_error(b);
        EXPECT_TRUE(same_bits(got, expected[(size_t)i])) << "token " << i << " after the load";
    }
}

// Loading over a longer session replaces it: the result continues like the saved one.
TEST_P(RoundTrip, LoadReplacesALongerSession) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), GetParam());
    MOEVK_OPEN_KV(b, test_model(), GetParam());
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 5, 0, nullptr), MOEVK_OK);
    const std::vector<uint8_t> snap = save_bytes(a);
    ASSERT_EQ(moevk_eval_prompt(b, kContinue, 4, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b, kPrompt, 12, 4, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_state_load(b, snap.data(), snap.size()), MOEVK_OK) << moevk_last_error(b);
    expect_same_continuation(b, a, 42);
    // Saving the loaded session gives the same bytes as saving the original at the same point.
    ASSERT_EQ(moevk_memory_seq_rm(a, 0, 5, -1), MOEVK_OK);
    ASSERT_EQ(moevk_memory_seq_rm(b, 0, 5, -1), MOEVK_OK);
    EXPECT_EQ(save_bytes(a), save_bytes(b));
}

INSTANTIATE_TEST_SUITE_P(KvTypes, RoundTrip, ::testing::Values("f16", "f32", "q8_0"),
                         [](const auto &info) { return std::string(info.param); });

class Snapshot : public StateTest {};

TEST_F(Snapshot, SizeQueryThenBufferTooSmallThenExact) {
    CtxHolder a;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 6, 0, nullptr), MOEVK_OK);
    size_t size = 0;
    ASSERT_EQ(moevk_state_save(a, nullptr, 0, &size), MOEVK_OK);
    ASSERT_GT(size, 80u);
    std::vector<uint8_t> small(size - 1);
    size_t reported = 0;
    EXPECT_EQ(moevk_state_save(a, small.data(), small.size(), &reported), MOEVK_E_BUFFER_TOO_SMALL);
    EXPECT_EQ(reported, size);
    EXPECT_NE(std::string(moevk_last_error(a)), "");
    std::vector<uint8_t> exact(size), again(size);
    EXPECT_EQ(moevk_state_save(a, exact.data(), exact.size(), &reported), MOEVK_OK);
    EXPECT_EQ(reported, size);
    // Saving again (no cached copy now) is deterministic.
    EXPECT_EQ(moevk_state_save(a, again.data(), again.size(), &reported), MOEVK_OK);
    EXPECT_EQ(exact, again);
    EXPECT_EQ(moevk_state_save(a, nullptr, 0, nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_state_save(nullptr, nullptr, 0, &reported), MOEVK_E_INVALID_ARG);
}

TEST_F(Snapshot, CompressionLevelIsARuntimeSetting) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), "f32");
    MOEVK_OPEN_KV(b, test_model(), "f32");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 12, 0, nullptr), MOEVK_OK);
    const std::vector<uint8_t> fast = save_bytes(a);
    ASSERT_EQ(moevk_ctx_set_i64(a, "state_compression_level", 19), MOEVK_OK);
    const std::vector<uint8_t> small = save_bytes(a);
    EXPECT_LE(small.size(), fast.size());
    EXPECT_EQ(moevk_ctx_set_i64(a, "state_compression_level", 23), MOEVK_E_INVALID_ARG);
    ASSERT_EQ(moevk_state_load(b, small.data(), small.size()), MOEVK_OK) << moevk_last_error(b);
    expect_same_continuation(b, a, 8);
}

TEST_F(Snapshot, EmptySessionAndSessionWithoutLogits) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(b, test_model(), "f16");
    const std::vector<uint8_t> empty = save_bytes(a);
    ASSERT_EQ(moevk_eval_prompt(b, kPrompt, 4, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_state_load(b, empty.data(), empty.size()), MOEVK_OK) << moevk_last_error(b);
    EXPECT_EQ(moevk_memory_seq_pos_max(b, 0), -1);
    std::vector<float> l = logits_buffer(b);
    EXPECT_EQ(moevk_get_logits(b, l.data(), l.size()), MOEVK_E_INVALID_ARG);  // nothing evaluated

    // After seq_rm the session has no logits; the snapshot says so and the load restores that.
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 8, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_memory_seq_rm(a, 0, 6, -1), MOEVK_OK);
    const std::vector<uint8_t> no_logits = save_bytes(a);
    ASSERT_EQ(moevk_state_load(b, no_logits.data(), no_logits.size()), MOEVK_OK) << moevk_last_error(b);
    EXPECT_EQ(moevk_memory_seq_pos_max(b, 0), 5);
    EXPECT_EQ(moevk_get_logits(b, l.data(), l.size()), MOEVK_E_INVALID_ARG);
    expect_same_continuation(b, a, 100);
}

// Refusals that depend on the context; each leaves it exactly as it was.
TEST_F(Snapshot, OtherModelOfTheSameShapeIsAMismatch) {
    CtxHolder a, other, twin;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(other, test_model("q4_0-seed8"), "f16");
    MOEVK_OPEN_KV(twin, test_model("q4_0-seed8"), "f16");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 6, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(other, kPrompt, 3, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(twin, kPrompt, 3, 0, nullptr), MOEVK_OK);
    const std::vector<uint8_t> snap = save_bytes(a);
    EXPECT_EQ(moevk_state_load(other, snap.data(), snap.size()), MOEVK_E_MODEL_MISMATCH);
    EXPECT_NE(std::string(moevk_last_error(other)).find("model"), std::string::npos) << moevk_last_error(other);
    expect_same_continuation(other, twin, 17);
}

TEST_F(Snapshot, OtherKvTypeIsRefusedAsUnsupported) {
    CtxHolder a, b, twin;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(b, test_model(), "f32");
    MOEVK_OPEN_KV(twin, test_model(), "f32");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 6, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b, kPrompt, 2, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(twin, kPrompt, 2, 0, nullptr), MOEVK_OK);
    const std::vector<uint8_t> snap = save_bytes(a);
    EXPECT_EQ(moevk_state_load(b, snap.data(), snap.size()), MOEVK_E_UNSUPPORTED);
    EXPECT_NE(std::string(moevk_last_error(b)).find("f16"), std::string::npos) << moevk_last_error(b);
    expect_same_continuation(b, twin, 17);
}

TEST_F(Snapshot, MorePositionsThanNCtxIsCtxFull) {
    CtxHolder a, b, twin;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(b, test_model(), "f16", 8);
    MOEVK_OPEN_KV(twin, test_model(), "f16", 8);
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 9, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(b, kPrompt, 2, 0, nullptr), MOEVK_OK);
    ASSERT_EQ(moevk_eval_prompt(twin, kPrompt, 2, 0, nullptr), MOEVK_OK);
    const std::vector<uint8_t> snap = save_bytes(a);
    EXPECT_EQ(moevk_state_load(b, snap.data(), snap.size()), MOEVK_E_CTX_FULL);
    expect_same_continuation(b, twin, 17);
    // Exactly n_ctx positions fit.
    ASSERT_EQ(moevk_memory_seq_rm(a, 0, 8, -1), MOEVK_OK);
    const std::vector<uint8_t> fits = save_bytes(a);
    EXPECT_EQ(moevk_state_load(b, fits.data(), fits.size()), MOEVK_OK) << moevk_last_error(b);
    EXPECT_EQ(moevk_memory_seq_pos_max(b, 0), 7);
}

TEST_F(Snapshot, ArbitraryBytesAreNotASnapshot) {
    CtxHolder a;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    EXPECT_EQ(moevk_state_load(a, nullptr, 0), MOEVK_E_NOT_A_SNAPSHOT);
    EXPECT_EQ(moevk_state_load(a, nullptr, 5), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_state_load(nullptr, "MVKS", 4), MOEVK_E_INVALID_ARG);
    const std::vector<uint8_t> gguf = read_bytes(test_model());
    EXPECT_EQ(moevk_state_load(a, gguf.data(), gguf.size()), MOEVK_E_NOT_A_SNAPSHOT);
    EXPECT_EQ(moevk_state_load(a, "MVK", 3), MOEVK_E_NOT_A_SNAPSHOT);
    EXPECT_EQ(moevk_state_load(a, "MVKS", 4), MOEVK_E_CORRUPT);
    EXPECT_EQ(moevk_memory_seq_pos_max(a, 0), -1);
}

TEST_F(Snapshot, NewerFormatVersionIsRefusedAsVersion) {
    CtxHolder a;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 3, 0, nullptr), MOEVK_OK);
    std::vector<uint8_t> snap = save_bytes(a);
    snap[4] = 3;  // format_version: newer than any this moevk reads
    EXPECT_EQ(moevk_state_load(a, snap.data(), snap.size()), MOEVK_E_VERSION);
    EXPECT_NE(std::string(moevk_last_error(a)).find("version 3"), std::string::npos) << moevk_last_error(a);
    EXPECT_EQ(moevk_memory_seq_pos_max(a, 0), 2);
}

}  // namespace
}  // namespace moevk::test
