// api_stats_test.cpp — expert streaming through the C API: "expert_cache_bytes" as a percentage and
// "expert_direct_io" reach the session, and moevk_get_stats reports the expert counters.
#include <gtest/gtest.h>

#include <engine.h>

#include <vector>

#include "core/status.h"
#include "device_required.h"

namespace moevk::test {
namespace {

const std::string kModel = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-q4_0.gguf";

moevk_stats stats_of(moevk_ctx *ctx) {
    moevk_stats s{};
    s.struct_size = sizeof s;
    EXPECT_EQ(moevk_get_stats(ctx, &s), MOEVK_OK);
    return s;
}

TEST(ExpertStreamingApi, StatsCountExpertTraffic) {
    for (int direct : {0, 1}) {
        moevk_params *p = moevk_params_create();
        ASSERT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "25%"), MOEVK_OK);
        ASSERT_EQ(moevk_params_set_i64(p, "expert_direct_io", direct), MOEVK_OK);
        ASSERT_EQ(moevk_params_set_i64(p, "io_threads", 3), MOEVK_OK);
        ASSERT_EQ(moevk_params_set_i64(p, "n_ctx", 64), MOEVK_OK);
        moevk_ctx *ctx = nullptr;
        char err[512] = "";
        const moevk_status st = moevk_ctx_open(kModel.c_str(), p, &ctx, err, sizeof err);
        moevk_params_free(p);
        if (st == MOEVK_E_DEVICE) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(Status(StatusCode::kDevice, err));
        if (st == MOEVK_E_IO && direct) GTEST_SKIP() << "O_DIRECT: " << err;  // e.g. tmpfs
        ASSERT_EQ(st, MOEVK_OK) << err;
        EXPECT_EQ(stats_of(ctx).expert_lookups, 0u);  // the warm-up at open is not counted
        std::vector<int32_t> tokens = {3, 77, 140, 9, 260, 31, 400, 12};
        ASSERT_EQ(moevk_eval_prompt(ctx, tokens.data(), (int32_t)tokens.size(), 0, nullptr), MOEVK_OK);
        for (int i = 0; i < 4; ++i) ASSERT_EQ(moevk_eval_token(ctx, 50 + 97 * i, 8 + i, nullptr), MOEVK_OK);
        const moevk_stats s = stats_of(ctx);
        EXPECT_GT(s.expert_misses, 0u);
        EXPECT_EQ(s.expert_hits + s.expert_misses, s.expert_lookups);
        EXPECT_LE(s.expert_prefetch_hits, s.expert_hits);
        EXPECT_GT(s.expert_bytes_read, 0u);
        EXPECT_GE(s.io_wait_seconds, 0.0);
        moevk_ctx_close(ctx);
    }
}

TEST(ExpertStreamingApi, BadValuesAreRefused) {
    moevk_params *p = moevk_params_create();
    EXPECT_EQ(moevk_params_set_i64(p, "expert_direct_io", 2), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "0%"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "101%"), MOEVK_E_INVALID_ARG);
    // a budget under one expert cannot hold the experts of one token
    ASSERT_EQ(moevk_params_set_i64(p, "expert_cache_bytes", 100), MOEVK_OK);
    moevk_ctx *ctx = nullptr;
    char err[512] = "";
    const moevk_status st = moevk_ctx_open(kModel.c_str(), p, &ctx, err, sizeof err);
    moevk_params_free(p);
    if (st == MOEVK_E_DEVICE) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(Status(StatusCode::kDevice, err));
    EXPECT_EQ(st, MOEVK_E_INVALID_ARG) << err;
    EXPECT_EQ(ctx, nullptr);
}

}  // namespace
}  // namespace moevk::test
