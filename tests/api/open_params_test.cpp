// open_params_test.cpp — the context-free calls, parameters, and moevk_ctx_open's failures (NULLs, missing
// and garbage files, err buffer truncation), model facts on a live and a NULL context.
#include <cstdio>
#include <fstream>

#include "api/api_fixture.h"

namespace moevk::test {
namespace {

TEST(Version, RuntimeMatchesHeader) {
    EXPECT_EQ(moevk_version_number(), (uint32_t)MOEVK_VERSION_NUMBER);
    char expected[32];
    std::snprintf(expected, sizeof expected, "%d.%d.%d", MOEVK_VERSION_MAJOR, MOEVK_VERSION_MINOR, MOEVK_VERSION_PATCH);
    EXPECT_STREQ(moevk_version_string(), expected);
}

TEST(StatusString, NamesEveryStatusAndUnknownValues) {
    EXPECT_STREQ(moevk_status_string(MOEVK_OK), "MOEVK_OK");
    EXPECT_STREQ(moevk_status_string(MOEVK_E_CTX_FULL), "MOEVK_E_CTX_FULL");
    EXPECT_STREQ(moevk_status_string(MOEVK_E_NO_CHECKPOINT), "MOEVK_E_NO_CHECKPOINT");
    EXPECT_STREQ(moevk_status_string(MOEVK_E_INTERNAL), "MOEVK_E_INTERNAL");
    EXPECT_STREQ(moevk_status_string((moevk_status)12345), "MOEVK_E_UNKNOWN");
}

TEST(Params, KnownKeysAndValues) {
    moevk_params *p = moevk_params_create();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(moevk_params_set_i64(p, "n_ctx", 128), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "device", 0), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_str(p, "device", "llvmpipe"), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_str(p, "kv_type", "f32"), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_str(p, "kv_type", "q8_0"), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_str(p, "kv_type", "f16"), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "25%"), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "expert_cache_bytes", 1 << 20), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "io_threads", 4), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "checkpoint_interval", 64), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "max_checkpoints", 4), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "checkpoint_bytes", 1 << 24), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "max_replay_tokens", 16), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_i64(p, "state_compression_level", 3), MOEVK_OK);
    EXPECT_EQ(moevk_params_set_str(p, "n_ctx", "256"), MOEVK_OK);
    moevk_params_free(p);
}

TEST(Params, RefusesUnknownKeysBadValuesAndNulls) {
    moevk_params *p = moevk_params_create();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(moevk_params_set_i64(p, "no_such_key", 1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "no_such_key", "1"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, "n_ctx", -1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, "n_ctx", (int64_t)1 << 40), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "n_ctx", "12abc"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "kv_type", "q4_0"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, "kv_type", 1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "0%"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "101%"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "expert_cache_bytes", "lots"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, "expert_cache_bytes", -5), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, "max_checkpoints", 0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, "state_compression_level", 23), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "device", ""), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(nullptr, "n_ctx", 1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_i64(p, nullptr, 1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_params_set_str(p, "kv_type", nullptr), MOEVK_E_INVALID_ARG);
    moevk_params_free(p);
    moevk_params_free(nullptr);  // harmless
}

TEST(Open, NullArgumentsAreInvalid) {
    moevk_ctx *ctx = reinterpret_cast<moevk_ctx *>(0x1);
    char err[128] = "";
    EXPECT_EQ(moevk_ctx_open(nullptr, nullptr, &ctx, err, sizeof err), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_STRNE(err, "");
    EXPECT_EQ(moevk_ctx_open(test_model().c_str(), nullptr, nullptr, err, sizeof err), MOEVK_E_INVALID_ARG);
    moevk_ctx_close(nullptr);  // harmless
}

TEST(Open, MissingFileIsIoErrorWithMessage) {
    moevk_ctx *ctx = reinterpret_cast<moevk_ctx *>(0x1);
    char err[256] = "";
    EXPECT_EQ(moevk_ctx_open("/nonexistent/model.gguf", nullptr, &ctx, err, sizeof err), MOEVK_E_IO);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_NE(std::string(err).find("/nonexistent/model.gguf"), std::string::npos) << err;
}

TEST(Open, GarbageFileIsBadFormat) {
    const std::string path = ::testing::TempDir() + "/garbage.gguf";
    {
        std::ofstream f(path, std::ios::binary);
        f << "this is not a gguf file at all, just some text that is long enough to read a header from";
    }
    moevk_ctx *ctx = nullptr;
    char err[256] = "";
    EXPECT_EQ(moevk_ctx_open(path.c_str(), nullptr, &ctx, err, sizeof err), MOEVK_E_BAD_FORMAT);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_STRNE(err, "");
    // The message is truncated to the buffer and always terminated; a NULL buffer is allowed.
    char small[8];
    std::memset(small, 'x', sizeof small);
    EXPECT_EQ(moevk_ctx_open(path.c_str(), nullptr, &ctx, small, sizeof small), MOEVK_E_BAD_FORMAT);
    EXPECT_EQ(std::strlen(small), sizeof small - 1);
    EXPECT_EQ(moevk_ctx_open(path.c_str(), nullptr, &ctx, nullptr, 0), MOEVK_E_BAD_FORMAT);
    std::remove(path.c_str());
}

TEST(Open, BadDeviceChoiceIsDeviceError) {
    moevk_params *p = moevk_params_create();
    ASSERT_EQ(moevk_params_set_str(p, "device", "no-such-gpu-name"), MOEVK_OK);
    CtxHolder h;
    std::string message;
    EXPECT_EQ(open_ctx(h, test_model(), p, &message), MOEVK_E_DEVICE);
    EXPECT_EQ(h.ctx, nullptr);
    EXPECT_NE(message.find("no-such-gpu-name"), std::string::npos) << message;
    moevk_params_free(p);
}

using Facts = ApiTest;

TEST_F(Facts, ModelFactsOnLiveAndNullContext) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    EXPECT_EQ(moevk_n_vocab(h), 512);
    EXPECT_EQ(moevk_n_layer(h), 2);
    EXPECT_EQ(moevk_n_ctx(h), 512);  // min(context_length 512, 4096)
    EXPECT_STREQ(moevk_arch_name(h), "qwen3moe");
    EXPECT_STRNE(moevk_model_name(h), "");
    EXPECT_STRNE(moevk_device_name(h), "");
    EXPECT_GE(moevk_eos(h), 0);
    EXPECT_EQ(moevk_memory_seq_pos_max(h, 0), -1);
    EXPECT_STREQ(moevk_last_error(h), "");

    EXPECT_EQ(moevk_n_vocab(nullptr), 0);
    EXPECT_EQ(moevk_n_ctx(nullptr), 0);
    EXPECT_EQ(moevk_n_layer(nullptr), 0);
    EXPECT_STREQ(moevk_model_name(nullptr), "");
    EXPECT_STREQ(moevk_arch_name(nullptr), "");
    EXPECT_STREQ(moevk_last_error(nullptr), "");
    EXPECT_EQ(moevk_memory_seq_pos_max(nullptr, 0), -1);
}

TEST_F(Facts, NCtxParameterIsUsed) {
    moevk_params *p = moevk_params_create();
    ASSERT_EQ(moevk_params_set_i64(p, "n_ctx", 100), MOEVK_OK);
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h, p);
    moevk_params_free(p);
    EXPECT_EQ(moevk_n_ctx(h), 100);
}

TEST_F(Facts, RuntimeSettingsOnLiveContext) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    EXPECT_EQ(moevk_ctx_set_i64(h, "state_compression_level", 5), MOEVK_OK);
    EXPECT_EQ(moevk_ctx_set_str(h, "max_replay_tokens", "32"), MOEVK_OK);
    EXPECT_EQ(moevk_ctx_set_i64(h, "n_ctx", 64), MOEVK_E_INVALID_ARG);  // fixed at open
    EXPECT_STRNE(moevk_last_error(h), "");
    EXPECT_EQ(moevk_ctx_set_i64(h, "state_compression_level", 0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_ctx_set_str(h, "max_checkpoints", "many"), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_ctx_set_i64(nullptr, "max_checkpoints", 2), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_ctx_set_i64(h, nullptr, 2), MOEVK_E_INVALID_ARG);
}

}  // namespace
}  // namespace moevk::test
