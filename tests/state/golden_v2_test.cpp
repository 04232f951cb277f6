// golden_v2_test.cpp — the committed format-2 snapshot in tests/golden/ (tiny hybrid model: K/V of its
// attention layer, conv and SSM state of its recurrent layers, checkpoints) loads forever: the session it
// holds (positions, logits bit for bit, the carried checkpoints, usable by memory_seq_rm) and the next-token
// logits it must produce, in the whole-model tier (not bit for bit even on the writer's device: the hybrid
// kernels are still being tuned, and what this file guards is the format). Never regenerate the files to
// make this pass.
#include <fstream>
#include <sstream>

#include "state/state_fixture.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

struct GoldenV2Entry {
    std::string file, kv_type, checkpoints, device;
    int32_t n_pos = 0, next_token = 0;
};

std::vector<GoldenV2Entry> manifest_v2() {
    std::vector<GoldenV2Entry> out;
    std::ifstream in(golden_dir() + "/state-v2.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        GoldenV2Entry e;
        ls >> e.file >> e.kv_type >> e.n_pos >> e.checkpoints >> e.next_token;
        std::getline(ls >> std::ws, e.device);
        out.push_back(e);
    }
    return out;
}

std::string golden_hybrid_model() { return golden_dir() + "/model-v2-tiny-qwen35moe-q8_0.gguf"; }

class GoldenV2 : public StateTest {};

TEST_F(GoldenV2, ManifestListsTheHybridFile) {
    const std::vector<GoldenV2Entry> m = manifest_v2();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].file, "state-v2-hybrid-f16");
    EXPECT_EQ(m[0].checkpoints, "0,8");
}

TEST_F(GoldenV2, FileLoadsWithItsCheckpointsAndReproducesItsNextTokenLogits) {
    for (const GoldenV2Entry &e : manifest_v2()) {
        SCOPED_TRACE(e.file);
        CtxHolder ctx;
        MOEVK_OPEN_KV(ctx, golden_hybrid_model(), e.kv_type.c_str());
        const std::string base = golden_dir() + "/" + e.file;
        const std::vector<uint8_t> bytes = read_bytes(base + ".mvks");
        ASSERT_GT(bytes.size(), 8u);
        EXPECT_EQ(bytes[4], 2);  // format_version
        ASSERT_EQ(moevk_state_load_file(ctx, (base + ".mvks").c_str()), MOEVK_OK) << moevk_last_error(ctx);
        EXPECT_EQ(moevk_memory_seq_pos_max(ctx, 0), e.n_pos - 1);
        EXPECT_TRUE(same_bits(logits_of(ctx), read_floats(base + ".logits.f32")));
        EXPECT_EQ(moevk_checkpoint_count(ctx), 3);  // the carried 0 and 8, and the loaded end

        std::vector<float> next = logits_buffer(ctx);
        ASSERT_EQ(moevk_eval_token(ctx, e.next_token, e.n_pos, next.data()), MOEVK_OK) << moevk_last_error(ctx);
        const std::vector<float> want = read_floats(base + ".next.f32");
        ASSERT_EQ(want.size(), next.size());
        EXPECT_EQ(whole_model_check(next.data(), want.data(), want.size()), "");
        // The carried checkpoint at 8 lets memory_seq_rm rewind into the prompt with a short replay.
        ASSERT_EQ(moevk_ctx_set_i64(ctx, "max_replay_tokens", 1), MOEVK_OK);
        EXPECT_EQ(moevk_memory_seq_rm(ctx, 0, 9, -1), MOEVK_OK) << moevk_last_error(ctx);
        EXPECT_EQ(moevk_memory_seq_rm(ctx, 0, 5, -1), MOEVK_E_CANNOT_TRUNCATE);
        EXPECT_EQ(moevk_checkpoint_restore(ctx, 0), MOEVK_OK) << moevk_last_error(ctx);
    }
}

}  // namespace
}  // namespace moevk::test
