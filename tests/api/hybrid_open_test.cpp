// hybrid_open_test.cpp — a hybrid model (qwen35moe, qwen3next) loads but the GPU path refuses it cleanly
// until its Vulkan kernels land: MOEVK_E_UNSUPPORTED with a message naming the architecture, no context.
#include <string>

#include "api/api_fixture.h"

namespace moevk::test {
namespace {

TEST(OpenHybrid, GpuPathRefusesHybridArchitectures) {
    for (const char *arch : {"qwen35moe", "qwen3next"}) {
        const std::string path = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + arch + "-f32.gguf";
        moevk_ctx *ctx = reinterpret_cast<moevk_ctx *>(0x1);
        char err[256] = "";
        EXPECT_EQ(moevk_ctx_open(path.c_str(), nullptr, &ctx, err, sizeof err), MOEVK_E_UNSUPPORTED) << arch << ": " << err;
        EXPECT_EQ(ctx, nullptr);
        const std::string expected = std::string("architecture ") + arch +
                                     " runs on the CPU reference only until its Vulkan kernels land";
        EXPECT_NE(std::string(err).find(expected), std::string::npos) << err;
    }
}

}  // namespace
}  // namespace moevk::test
