// hybrid_streaming_test.cpp — expert streaming on the tiny hybrid models (GatedDeltaNet + gated attention
// mixers, shared expert): logits bit-identical between all experts resident and small cache budgets, for
// prefill and decode; an expert read failing half-way through an eval (model file truncated under the
// context) leaves the recurrent state as it was: once the file is whole the context continues exactly as
// one that never failed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "device_required.h"
#include "experts/expert_layout.h"
#include "model/model.h"
#include "session/gpu_forward.h"

namespace moevk::test {
namespace {

std::string model_path(const std::string &name) { return std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + name + ".gguf"; }
constexpr uint32_t kPrompt = 24, kDecode = 6;

std::vector<int32_t> tokens(uint32_t n, uint32_t n_vocab, uint32_t seed) {
    std::vector<int32_t> t;
    uint32_t x = seed;
    for (uint32_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        t.push_back((int32_t)((x >> 8) % n_vocab));
    }
    return t;
}

uint64_t expert_bytes(const model::Model &m) { return experts::ExpertLayout::of(m).value().slot_shape().expert_bytes(); }

bool bits_equal(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Outcome {
    std::vector<float> logits;  // every prompt position, then each decode step
    bool streamed = false;
    uint64_t misses = 0;
};

// Prefill of kPrompt tokens in two chunks, then kDecode single-token steps. slots < 0: all resident.
// Returns false when there is no device (skip).
bool run(const model::Model &m, int64_t slots, Outcome *r) {
    session::GpuForwardOptions opts;
    opts.n_ctx = 64;
    opts.kernel_tuning.prefill_batch = 16;
    if (slots >= 0) opts.expert_cache_bytes = slots * (int64_t)expert_bytes(m);
    auto g = session::GpuForward::create(m, opts);
    if (!g.is_ok()) {
        if (g.status().code() != StatusCode::kDevice || device_required()) ADD_FAILURE() << g.status().message();
        return false;
    }
    const uint32_t n_vocab = m.hp.n_vocab;
    const std::vector<int32_t> t = tokens(kPrompt + kDecode, n_vocab, 5);
    r->logits.resize((size_t)(kPrompt + kDecode) * n_vocab);
    EXPECT_TRUE(g.value()->eval(t.data(), kPrompt, 0, nullptr, r->logits.data(), nullptr).is_ok());
    for (uint32_t i = 0; i < kDecode; ++i) {
        Status s = g.value()->eval(&t[kPrompt + i], 1, kPrompt + i, r->logits.data() + (size_t)(kPrompt + i) * n_vocab,
                                   nullptr, nullptr);
        EXPECT_TRUE(s.is_ok()) << s.message();
    }
    r->streamed = g.value()->experts_streamed();
    r->misses = g.value()->expert_stats().misses;
    return true;
}

TEST(HybridExpertStreaming, LogitsBitIdenticalAcrossBudgets) {
    for (const char *name : {"qwen35moe-q8_0", "qwen3next-f32"}) {
        SCOPED_TRACE(name);
        auto m = model::load_model(model_path(name));
        ASSERT_TRUE(m.is_ok()) << m.status().message();
        Outcome resident;
        if (!run(*m.value(), -1, &resident)) {
            if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
            return;
        }
        EXPECT_FALSE(resident.streamed);
        for (int64_t slots : {5, 12}) {  // 5: waves within a layer; 12: most of a layer's 16 experts
            SCOPED_TRACE("slots " + std::to_string(slots));
            Outcome small;
            ASSERT_TRUE(run(*m.value(), slots, &small));
            EXPECT_TRUE(small.streamed);
            EXPECT_GT(small.misses, 0u);
            EXPECT_TRUE(bits_equal(resident.logits, small.logits));
        }
    }
}

std::string temp_copy_of(const std::string &model) {
    char path[] = "/tmp/moevk-hybrid-stream-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    std::ifstream in(model, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), (ssize_t)bytes.size());
    close(fd);
    return path;
}

// The failing eval runs layer 0's GatedDeltaNet (which writes the new copy of its state) before the first
// expert read fails; the state the forward pass continues from must still be the old one.
TEST(HybridExpertStreaming, FailedEvalLeavesRecurrentStateIntact) {
    const std::string model = model_path("qwen35moe-f32");
    const std::string path = temp_copy_of(model);
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto copy = model::load_model(path), never_failed_model = model::load_model(model);
    ASSERT_TRUE(copy.is_ok()) << copy.status().message();
    ASSERT_TRUE(never_failed_model.is_ok()) << never_failed_model.status().message();
    session::GpuForwardOptions opts;
    opts.n_ctx = 64;
    opts.expert_cache_bytes = 5 * (int64_t)expert_bytes(*copy.value());
    auto failing = session::GpuForward::create(*copy.value(), opts);
    if (!failing.is_ok()) {
        std::remove(path.c_str());
        if (failing.status().code() == StatusCode::kDevice) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(failing.status());
        FAIL() << failing.status().message();
    }
    session::GpuForward &gpu = *failing.value();
    auto never_failed = session::GpuForward::create(*never_failed_model.value(), opts);
    ASSERT_TRUE(never_failed.is_ok()) << never_failed.status().message();
    const uint32_t n_vocab = copy.value()->hp.n_vocab;
    const std::vector<int32_t> t = tokens(12, n_vocab, 9);
    ASSERT_TRUE(gpu.eval(t.data(), 8, 0, nullptr, nullptr, nullptr).is_ok());
    ASSERT_TRUE(never_failed.value()->eval(t.data(), 8, 0, nullptr, nullptr, nullptr).is_ok());
    std::vector<uint8_t> state_before(gpu.recurrent_state_bytes()), state_after(state_before.size());
    ASSERT_TRUE(gpu.read_recurrent_state(state_before.data()).is_ok());

    uint64_t first_expert_byte = UINT64_MAX;
    for (const model::LayerWeights &lw : copy.value()->layers)
        first_expert_byte = std::min({first_expert_byte, lw.ffn_gate_exps->file_offset, lw.ffn_up_exps->file_offset,
                                      lw.ffn_down_exps->file_offset});
    ASSERT_EQ(truncate(path.c_str(), (off_t)first_expert_byte), 0);
    for (uint32_t n : {4u, 1u}) {
        Status s = gpu.eval(t.data() + 8, n, 8, nullptr, nullptr, nullptr);
        EXPECT_EQ(s.code(), StatusCode::kIo) << s.message();
        ASSERT_TRUE(gpu.read_recurrent_state(state_after.data()).is_ok());
        EXPECT_EQ(state_before, state_after) << n << " tokens";
    }

    const int fd = open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, original.data(), original.size(), 0), (ssize_t)original.size());
    close(fd);
    std::vector<float> after(4 * n_vocab), expected(4 * n_vocab);
    Status s = gpu.eval(t.data() + 8, 4, 8, nullptr, after.data(), nullptr);
    ASSERT_TRUE(s.is_ok()) << s.message();
    ASSERT_TRUE(never_failed.value()->eval(t.data() + 8, 4, 8, nullptr, expected.data(), nullptr).is_ok());
    EXPECT_TRUE(bits_equal(after, expected));
    std::remove(path.c_str());
}

}  // namespace
}  // namespace moevk::test
