// corruption_test.cpp — a golden snapshot (format 1, and format 2 of the hybrid golden model: recurrent
// state and checkpoint sections) cut at every length and hit by 10,000 seeded corruptions (each flips at
// least one bit) is refused every time, never crashes, and leaves the context as it was: pos_max and the
// stored logits are checked after every attempt, a full continuation (next token's bits) on a sample.
#include <random>

#include "state/state_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrime[] = {5, 17, 99, 200, 31};

struct GoldenFile {
    const char *model, *snapshot;  // in tests/golden
};

class GoldenCorruption : public StateTest, public ::testing::WithParamInterface<GoldenFile> {
protected:
    void SetUp() override {
        const std::string model = golden_dir() + "/" + GetParam().model;
        MOEVK_OPEN_KV(ctx_, model, "f16");
        MOEVK_OPEN_KV(twin_, model, "f16");
        ASSERT_EQ(moevk_eval_prompt(ctx_, kPrime, 5, 0, nullptr), MOEVK_OK);
        ASSERT_EQ(moevk_eval_prompt(twin_, kPrime, 5, 0, nullptr), MOEVK_OK);
        file_ = read_bytes(golden_dir() + "/" + GetParam().snapshot);
        ASSERT_GT(file_.size(), 80u);
        // The unmodified file loads (into a scratch context), so every refusal below is the corruption's.
        CtxHolder scratch;
        MOEVK_OPEN_KV(scratch, model, "f16");
        ASSERT_EQ(moevk_state_load(scratch, file_.data(), file_.size()), MOEVK_OK) << moevk_last_error(scratch);
    }

    static bool is_refusal(moevk_status s) {
        return s == MOEVK_E_NOT_A_SNAPSHOT || s == MOEVK_E_VERSION || s == MOEVK_E_CORRUPT ||
               s == MOEVK_E_MODEL_MISMATCH || s == MOEVK_E_UNSUPPORTED || s == MOEVK_E_CTX_FULL;
    }

    CtxHolder ctx_, twin_;
    std::vector<uint8_t> file_;
};

TEST_P(GoldenCorruption, EveryTruncationIsRefused) {
    for (size_t len = 0; len < file_.size(); ++len) {
        const moevk_status s = moevk_state_load(ctx_, len ? file_.data() : nullptr, len);
        ASSERT_TRUE(is_refusal(s)) << "length " << len << ": " << moevk_status_string(s);
        ASSERT_TRUE(len < 4 ? s == MOEVK_E_NOT_A_SNAPSHOT : s == MOEVK_E_CORRUPT) << "length " << len;
        expect_same_session(ctx_, twin_);
        if (HasFatalFailure()) return;
    }
    expect_same_continuation(ctx_, twin_, 7);
}

TEST_P(GoldenCorruption, TenThousandSeededBitFlipsAreRefused) {
    std::mt19937_64 rng(20261123);
    std::vector<uint8_t> bad;
    for (int trial = 0; trial < 10000; ++trial) {
        bad = file_;
        // 1 to 8 flips; a flip that cancels an earlier one is redone so at least one bit differs.
        const int n_flips = 1 + (int)(rng() % 8);
        for (int f = 0; f < n_flips || bad == file_; ++f) {
            const size_t bit = rng() % (bad.size() * 8);
            bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        const moevk_status s = moevk_state_load(ctx_, bad.data(), bad.size());
        ASSERT_TRUE(is_refusal(s)) << "trial " << trial << ": " << moevk_status_string(s);
        expect_same_session(ctx_, twin_);
        if (HasFatalFailure()) return;
        if (trial % 1000 == 999) {
            expect_same_continuation(ctx_, twin_, (int32_t)(trial % 256));
            if (HasFatalFailure()) return;
            // Keep the session short: drop the token just evaluated from both.
            const int32_t end = moevk_memory_seq_pos_max(ctx_, 0);
            ASSERT_EQ(moevk_memory_seq_rm(ctx_, 0, end, -1), MOEVK_OK);
            ASSERT_EQ(moevk_memory_seq_rm(twin_, 0, end, -1), MOEVK_OK);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, GoldenCorruption,
                         ::testing::Values(GoldenFile{"model-v1-tiny-q8_0.gguf", "state-v1-f16.mvks"},
                                           GoldenFile{"model-v2-tiny-qwen35moe-q8_0.gguf", "state-v2-hybrid-f16.mvks"}),
                         [](const auto &info) { return info.index == 0 ? std::string("v1") : std::string("v2_hybrid"); });

}  // namespace
}  // namespace moevk::test
