// golden_test.cpp — the committed format-1 snapshots in tests/golden/ load forever: the session they hold
// (positions, logits bit for bit) and the next-token logits it must produce (whole-model tier on any device,
// bit-exact on the device that wrote them). Never regenerate the files to make this pass.
#include <fstream>
#include <sstream>

#include "api/ctx.h"
#include "state/state_fixture.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

struct GoldenEntry {
    std::string kv_type, device;
    int32_t n_pos = 0, next_token = 0;
};

std::vector<GoldenEntry> manifest() {
    std::vector<GoldenEntry> out;
    std::ifstream in(golden_dir() + "/state-v1.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        GoldenEntry e;
        ls >> e.kv_type >> e.n_pos >> e.next_token;
        std::getline(ls >> std::ws, e.device);
        out.push_back(e);
    }
    return out;
}

class GoldenV1 : public StateTest {};

TEST_F(GoldenV1, ManifestListsEveryKvType) {
    std::vector<std::string> kinds;
    for (const GoldenEntry &e : manifest()) kinds.push_back(e.kv_type);
    EXPECT_EQ(kinds, (std::vector<std::string>{"f16", "f32", "q8_0"}));
}

TEST_F(GoldenV1, EveryFileLoadsAndReproducesItsNextTokenLogits) {
    for (const GoldenEntry &e : manifest()) {
        SCOPED_TRACE("state-v1-" + e.kv_type);
        CtxHolder ctx;
        MOEVK_OPEN_KV(ctx, golden_model(), e.kv_type.c_str());
        const std::string base = golden_dir() + "/state-v1-" + e.kv_type;
        ASSERT_EQ(moevk_state_load_file(ctx, (base + ".mvks").c_str()), MOEVK_OK) << moevk_last_error(ctx);
        EXPECT_EQ(moevk_memory_seq_pos_max(ctx, 0), e.n_pos - 1);
        EXPECT_TRUE(same_bits(logits_of(ctx), read_floats(base + ".logits.f32")));

        std::vector<float> next = logits_buffer(ctx);
        ASSERT_EQ(moevk_eval_token(ctx, e.next_token, e.n_pos, next.data()), MOEVK_OK) << moevk_last_error(ctx);
        const std::vector<float> want = read_floats(base + ".next.f32");
        ASSERT_EQ(want.size(), next.size());
        EXPECT_EQ(whole_model_check(next.data(), want.data(), want.size()), "");
        if (ctx.ctx->session->device_name() == e.device) {
            EXPECT_TRUE(same_bits(next, want)) << "same device as the writer (" << e.device << "): bits differ";
        }
    }
}

}  // namespace
}  // namespace moevk::test
