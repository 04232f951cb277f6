// checkpoint_limit_test.cpp — the checkpoints' byte limit: checkpoint_bytes when set (0 included), else
// automatic: room for max_checkpoints states of the model, at least 256 MiB (docs/checkpoints.md).
#include <gtest/gtest.h>

#include <climits>

#include "session/options.h"

namespace moevk::session {
namespace {

constexpr int64_t kMiB = 1ll << 20;

TEST(CheckpointByteLimit, AutomaticByDefault) {
    const RuntimeSettings defaults;
    EXPECT_EQ(defaults.checkpoint_bytes, -1);
    EXPECT_EQ(checkpoint_byte_limit(defaults, 0), 256 * kMiB);  // KV-only: checkpoints hold no state
    EXPECT_EQ(checkpoint_byte_limit(defaults, 1 * kMiB), 256 * kMiB);
    // Qwen3.6-35B-A3B shape, ~66 MB of recurrent state: room for the default 8 checkpoints
    const uint64_t state = 66'000'000;
    EXPECT_EQ(checkpoint_byte_limit(defaults, state), 8 * (int64_t)state);
    RuntimeSettings more;
    more.max_checkpoints = 16;
    EXPECT_EQ(checkpoint_byte_limit(more, state), 16 * (int64_t)state);
    EXPECT_EQ(checkpoint_byte_limit(more, UINT64_MAX / 2), INT64_MAX);  // saturates, never wraps
}

TEST(CheckpointByteLimit, ExplicitValueWins) {
    RuntimeSettings s;
    ASSERT_TRUE(apply_runtime_setting(s, "checkpoint_bytes", 0).is_ok());
    EXPECT_EQ(checkpoint_byte_limit(s, 66'000'000), 0);
    ASSERT_TRUE(apply_runtime_setting(s, "checkpoint_bytes", 100 * kMiB).is_ok());
    EXPECT_EQ(checkpoint_byte_limit(s, 66'000'000), 100 * kMiB);
    ASSERT_TRUE(apply_runtime_setting(s, "checkpoint_bytes", -1).is_ok());  // back to automatic
    EXPECT_EQ(checkpoint_byte_limit(s, 66'000'000), 8 * 66'000'000ll);
    EXPECT_EQ(apply_runtime_setting(s, "checkpoint_bytes", -2).code(), StatusCode::kInvalidArg);
    EXPECT_EQ(s.checkpoint_bytes, -1);  // a refused value changes nothing
}

}  // namespace
}  // namespace moevk::session
