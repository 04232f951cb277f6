// api_fixture.h — helpers for tests of the public C API: open the tiny test models, skip or fail without
// a Vulkan device (tests/device_required.h), evaluate and compare logits bit for bit, and the two-context
// fixture of the tests where a context must end up like a control context.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "device_required.h"
#include "engine.h"

namespace moevk::test {

inline std::string test_model(const std::string &type = "q4_0") {
    return std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + type + ".gguf";
}

// Owns a context; closes it at scope end.
struct CtxHolder {
    moevk_ctx *ctx = nullptr;
    ~CtxHolder() { moevk_ctx_close(ctx); }
    operator moevk_ctx *() const { return ctx; }
};

// Opens model with optional params. Returns MOEVK_OK or the status (the message goes to *message).
inline moevk_status open_ctx(CtxHolder &h, const std::string &model, const moevk_params *params = nullptr,
                             std::string *message = nullptr) {
    char err[512] = "";
    moevk_status s = moevk_ctx_open(model.c_str(), params, &h.ctx, err, sizeof err);
    if (message) *message = err;
    return s;
}

inline bool same_bits(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class ApiTest : public ::testing::Test {
protected:
    // Opens the default test model into h or skips/fails the test when no device is present.
    void open_or_skip(CtxHolder &h, const moevk_params *params = nullptr, const std::string &type = "q4_0") {
        std::string message;
        moevk_status s = open_ctx(h, test_model(type), params, &message);
        if (s == MOEVK_E_DEVICE) {
            if (device_required()) FAIL() << "no Vulkan device: " << message;
            GTEST_SKIP() << "no Vulkan device: " << message;
        }
        ASSERT_EQ(s, MOEVK_OK) << message;
    }

    std::vector<float> logits_buffer(moevk_ctx *ctx) { return std::vector<float>((size_t)moevk_n_vocab(ctx)); }

    // Serialises ctx with the size query then the copy, as a caller would.
    std::vector<uint8_t> save_state(moevk_ctx *ctx) {
        size_t size = 0;
        EXPECT_EQ(moevk_state_save(ctx, nullptr, 0, &size), MOEVK_OK) << moevk_last_error(ctx);
        std::vector<uint8_t> out(size);
        EXPECT_EQ(moevk_state_save(ctx, out.data(), out.size(), &size), MOEVK_OK) << moevk_last_error(ctx);
        return out;
    }
};

// Two contexts on one model: a_ takes the calls under test, b_ the control (a fresh context fed the same
// valid calls, or one that never saw a refused call). Their next logits must agree bit for bit.
class TwoContexts : public ApiTest {
protected:
    // Opens a_ and b_ (each skips or fails the test as open_or_skip does); true when both are open.
    bool open_pair(const moevk_params *params = nullptr, const std::string &type = "q4_0") {
        open_or_skip(a_, params, type);
        if (ready()) open_or_skip(b_, params, type);
        return ready();
    }
    bool ready() { return !HasFatalFailure() && !IsSkipped(); }

    // a_ and b_ evaluate token at the same next position; their logits must agree bit for bit.
    void expect_same_next(int32_t token) {
        ASSERT_EQ(moevk_memory_seq_pos_max(a_, 0), moevk_memory_seq_pos_max(b_, 0));
        const int32_t pos = moevk_memory_seq_pos_max(a_, 0) + 1;
        auto la = logits_buffer(a_), lb = logits_buffer(b_);
        ASSERT_EQ(moevk_eval_token(a_, token, pos, la.data()), MOEVK_OK) << moevk_last_error(a_);
        ASSERT_EQ(moevk_eval_token(b_, token, pos, lb.data()), MOEVK_OK) << moevk_last_error(b_);
        EXPECT_TRUE(same_bits(la, lb)) << "position " << pos;
    }

    CtxHolder a_, b_;
};

}  // namespace moevk::test

// open_or_skip() inside a test body: a skip or failure in the helper must also end the test itself.
#define MOEVK_OPEN_OR_SKIP(...)                      \
    do {                                             \
        open_or_skip(__VA_ARGS__);                   \
        if (HasFatalFailure() || IsSkipped()) return; \
    } while (0)
