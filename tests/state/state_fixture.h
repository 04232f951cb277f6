// state_fixture.h — helpers for the snapshot tests: golden files, whole-file reads, contexts opened with a
// chosen KV type, and the "context unchanged" check (same pos_max, same logits bits, same next token bits
// as a twin context that never saw the refused call).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "api/api_fixture.h"

namespace moevk::test {

inline std::string golden_dir() { return std::string(MOEVK_TEST_SOURCE_DIR) + "/golden"; }
inline std::string golden_model() { return golden_dir() + "/model-v1-tiny-q8_0.gguf"; }

inline std::vector<uint8_t> read_bytes(const std::string &path) {
    std::vector<uint8_t> out;
    FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) return out;
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
    return out;
}

inline std::vector<float> read_floats(const std::string &path) {
    std::vector<uint8_t> b = read_bytes(path);
    std::vector<float> f(b.size() / sizeof(float));
    if (!f.empty()) std::memcpy(f.data(), b.data(), f.size() * sizeof(float));
    return f;
}

// Serialises ctx with the size query then the copy, as a caller would.
inline std::vector<uint8_t> save_bytes(moevk_ctx *ctx) {
    size_t size = 0;
    EXPECT_EQ(moevk_state_save(ctx, nullptr, 0, &size), MOEVK_OK) << moevk_last_error(ctx);
    std::vector<uint8_t> out(size);
    size_t written = 0;
    EXPECT_EQ(moevk_state_save(ctx, out.data(), out.size(), &written), MOEVK_OK) << moevk_last_error(ctx);
    EXPECT_EQ(written, size);
    return out;
}

class StateTest : public ApiTest {
protected:
    // Opens model with the given kv_type (and n_ctx when > 0) or skips/fails without a device.
    void open_kv(CtxHolder &h, const std::string &model, const char *kv_type, int64_t n_ctx = 0) {
        moevk_params *p = moevk_params_create();
        ASSERT_EQ(moevk_params_set_str(p, "kv_type", kv_type), MOEVK_OK);
        if (n_ctx > 0) {
            ASSERT_EQ(moevk_params_set_i64(p, "n_ctx", n_ctx), MOEVK_OK);
        }
        std::string message;
        const moevk_status s = open_ctx(h, model, p, &message);
        moevk_params_free(p);
        if (s == MOEVK_E_DEVICE) {
            if (device_required()) FAIL() << "no Vulkan device: " << message;
            GTEST_SKIP() << "no Vulkan device: " << message;
        }
        ASSERT_EQ(s, MOEVK_OK) << message;
    }

    std::vector<float> logits_of(moevk_ctx *ctx) {
        std::vector<float> l = logits_buffer(ctx);
        EXPECT_EQ(moevk_get_logits(ctx, l.data(), l.size()), MOEVK_OK) << moevk_last_error(ctx);
        return l;
    }

    // Cheap half of "unchanged": pos_max and the stored logits equal the twin's.
    void expect_same_session(moevk_ctx *a, moevk_ctx *twin) {
        ASSERT_EQ(moevk_memory_seq_pos_max(a, 0), moevk_memory_seq_pos_max(twin, 0));
        std::vector<float> la = logits_buffer(a), lt = logits_buffer(twin);
        const moevk_status sa = moevk_get_logits(a, la.data(), la.size());
        ASSERT_EQ(sa, moevk_get_logits(twin, lt.data(), lt.size()));
        if (sa == MOEVK_OK) {
            ASSERT_TRUE(same_bits(la, lt)) << "stored logits changed";
        }
    }

    // Full "unchanged": both continue with token; the bits must agree (this advances both by one position).
    void expect_same_continuation(moevk_ctx *a, moevk_ctx *twin, int32_t token) {
        expect_same_session(a, twin);
        const int32_t pos = moevk_memory_seq_pos_max(twin, 0) + 1;
        std::vector<float> la = logits_buffer(a), lt = logits_buffer(twin);
        ASSERT_EQ(moevk_eval_token(a, token, pos, la.data()), MOEVK_OK) << moevk_last_error(a);
        ASSERT_EQ(moevk_eval_token(twin, token, pos, lt.data()), MOEVK_OK) << moevk_last_error(twin);
        ASSERT_TRUE(same_bits(la, lt)) << "the next token's logits differ from the twin's";
    }
};

}  // namespace moevk::test

// open_kv() inside a test body: a skip or failure in the helper ends the test too.
#define MOEVK_OPEN_KV(...)                           \
    do {                                             \
        open_kv(__VA_ARGS__);                        \
        if (HasFatalFailure() || IsSkipped()) return; \
    } while (0)
