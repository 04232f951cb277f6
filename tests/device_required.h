// device_required.h — how GPU tests treat a missing Vulkan device: "skipped" on a developer machine without
// one, a failure in CI (MOEVK_REQUIRE_DEVICE=true, set by tests/CMakeLists.txt from CI), as STYLE.md asks.
#pragma once

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

namespace moevk::test {

inline bool device_required() {
    const char *v = std::getenv("MOEVK_REQUIRE_DEVICE");
    return v && (std::strcmp(v, "true") == 0 || std::strcmp(v, "1") == 0);
}

}  // namespace moevk::test

// Use at the top of a test when opening a device failed with status s.
#define MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(s)                                              \
    do {                                                                                 \
        if (::moevk::test::device_required()) FAIL() << "no Vulkan device: " << (s).message(); \
        GTEST_SKIP() << "no Vulkan device: " << (s).message();                           \
    } while (0)
