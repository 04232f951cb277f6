// streaming_test.cpp — expert streaming on the tiny model (16 experts of 13.5 KiB per layer, 4 used): logits
// bit-identical between all experts resident and small cache budgets (waves, misses, prefetch hits), for
// prefill and decode; statistics that add up; a model file truncated under a context gives MOEVK_E_IO
// naming the layer, expert and offset, changes nothing, and the context works again once the file is whole.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "device_required.h"
#include "experts/expert_file.h"
#include "experts/expert_layout.h"
#include "model/model.h"
#include "session/context.h"
#include "session/gpu_forward.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

const std::string kModel = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-q4_0.gguf";
// Q4_K_M-style mix: layer 1's ffn_down_exps is Q6_K, layer 0's Q4_K, so slots are sized for the larger.
const std::string kMixedModel = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-q4_k_m.gguf";
constexpr uint32_t kPrompt = 24, kDecode = 6;

std::vector<int32_t> tokens(uint32_t n, uint32_t n_vocab, uint32_t seed) {
    std::vector<int32_t> t;
    uint32_t x = seed;
    for (uint32_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;  // random ids: decode routing must not repeat itself
        t.push_back((int32_t)((x >> 8) % n_vocab));
    }
    return t;
}

experts::ExpertShape expert_shape(const std::string &path = kModel) {
    auto m = model::load_model(path);
    EXPECT_TRUE(m.is_ok()) << m.status().message();
    return experts::ExpertLayout::of(*m.value()).value().slot_shape();
}
uint64_t expert_bytes(const std::string &path = kModel) { return expert_shape(path).expert_bytes(); }

struct Outcome {
    std::vector<float> prefill;  // every prompt position
    std::vector<float> decode;   // each decode step's logits
    experts::ExpertStats stats;
    bool streamed = false;
};

// Prefill of kPrompt tokens (all logits), then kDecode single-token steps. slots < 0: all resident.
// prefill: the prompt kernels (from 8 tokens when not the device's default).
Outcome run(bool *skip, int64_t slots, bool prefetch, bool staging = false, uint64_t segment_bytes = 0,
            const std::string &path = kModel,
            session::PrefillKernel prefill = session::PrefillKernel::kDeviceDefault) {
    Outcome r;
    auto m = model::load_model(path);
    if (!m.is_ok()) {
        ADD_FAILURE() << m.status().message();
        *skip = true;
        return r;
    }
    session::GpuForwardOptions opts;
    opts.n_ctx = 64;
    opts.kernel_tuning.prefill_batch = 16;  // two prefill chunks
    if (slots >= 0) opts.expert_cache_bytes = slots * expert_bytes(path);
    opts.expert_prefetch = prefetch;
    opts.kernel_tuning.prefill_kernel = prefill;
    if (prefill != session::PrefillKernel::kDeviceDefault) opts.kernel_tuning.prefill_min_tokens = 8;
    opts.kernel_tuning.prefill_min_rows = 1;  // the tiny model's dense matrices too
    opts.expert_force_staging = staging;
    opts.expert_segment_bytes = segment_bytes;
    auto g = session::GpuForward::create(*m.value(), opts);
    if (!g.is_ok()) {
        *skip = true;
        if (g.status().code() == StatusCode::kDevice) return r;
        ADD_FAILURE() << g.status().message();
        return r;
    }
    const uint32_t n_vocab = m.value()->hp.n_vocab;
    const std::vector<int32_t> t = tokens(kPrompt + kDecode, n_vocab, 5);
    r.prefill.resize((size_t)kPrompt * n_vocab);
    EXPECT_TRUE(g.value()->eval(t.data(), kPrompt, 0, nullptr, r.prefill.data(), nullptr).is_ok());
    r.decode.resize((size_t)kDecode * n_vocab);
    for (uint32_t i = 0; i < kDecode; ++i) {
        Status s = g.value()->eval(&t[kPrompt + i], 1, kPrompt + i, r.decode.data() + (size_t)i * n_vocab, nullptr, nullptr);
        EXPECT_TRUE(s.is_ok()) << s.message();
    }
    r.stats = g.value()->expert_stats();
    r.streamed = g.value()->experts_streamed();
    return r;
}

bool bits_equal(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

#define RUN_OR_SKIP(var, ...)                                                              \
    bool var##_skip = false;                                                               \
    Outcome var = run(&var##_skip, __VA_ARGS__);                                           \
    if (var##_skip) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(Status(StatusCode::kDevice, "GpuForward"))

void expect_stats_add_up(const experts::ExpertStats &s) {
    EXPECT_EQ(s.hits + s.misses, s.lookups);
    EXPECT_LE(s.prefetch_hits, s.hits);
    EXPECT_GE(s.bytes_read, s.misses * expert_bytes());
}

TEST(ExpertStreaming, LogitsBitIdenticalAcrossBudgets) {
    RUN_OR_SKIP(resident, -1, true);
    EXPECT_FALSE(resident.streamed);
    EXPECT_EQ(resident.stats.lookups, 0u);
    // 5 slots: a little over one token's 4 experts; a 16-token chunk needs ~all 16 experts of a layer: waves
    for (int64_t slots : {5, 12, 31}) {
        RUN_OR_SKIP(small, slots, true);
        SCOPED_TRACE("slots " + std::to_string(slots));
        EXPECT_TRUE(small.streamed);
        EXPECT_GT(small.stats.misses, 0u);
        expect_stats_add_up(small.stats);
        EXPECT_TRUE(bits_equal(resident.prefill, small.prefill)) << "prefill logits differ";
        EXPECT_TRUE(bits_equal(resident.decode, small.decode)) << "decode logits differ";
    }
}

// The tiled prompt kernels read an expert's rows for a tile of its pairs: waves of experts give the bits
// of all experts resident there too.
TEST(ExpertStreaming, TiledPromptKernelsKeepTheBitsAcrossBudgets) {
    const session::PrefillKernel tiled = session::PrefillKernel::kTiled;
    RUN_OR_SKIP(resident, -1, true, false, 0, kModel, tiled);
    for (int64_t slots : {5, 12}) {
        RUN_OR_SKIP(small, slots, true, false, 0, kModel, tiled);
        SCOPED_TRACE("slots " + std::to_string(slots));
        EXPECT_TRUE(small.streamed);
        EXPECT_TRUE(bits_equal(resident.prefill, small.prefill)) << "prefill logits differ";
        EXPECT_TRUE(bits_equal(resident.decode, small.decode)) << "decode logits differ";
    }
    RUN_OR_SKIP(matvec, -1, true, false, 0, kModel, session::PrefillKernel::kMatvec);
    for (uint32_t p = 0; p < kPrompt; ++p) {
        const uint32_t n_vocab = (uint32_t)(resident.prefill.size() / kPrompt);
        EXPECT_EQ(whole_model_check(resident.prefill.data() + p * n_vocab, matvec.prefill.data() + p * n_vocab, n_vocab), "")
            << "tiled vs mat-vec prompt kernels, position " << p;
    }
}

// Layers whose experts differ in type (Q4_K vs Q6_K ffn_down) share slots sized for the largest; each
// layer's kernels read its own rows from them, mapped or staged.
TEST(ExpertStreaming, MixedTypeLayersGiveTheSameBits) {
    RUN_OR_SKIP(resident, -1, true, false, 0, kMixedModel);
    for (bool staging : {false, true}) {
        RUN_OR_SKIP(small, 5, true, staging, 0, kMixedModel);
        SCOPED_TRACE(staging ? "staged" : "mapped");
        EXPECT_TRUE(small.streamed);
        EXPECT_GT(small.stats.misses, 0u);
        EXPECT_TRUE(bits_equal(resident.prefill, small.prefill)) << "prefill logits differ";
        EXPECT_TRUE(bits_equal(resident.decode, small.decode)) << "decode logits differ";
    }
}

// Devices whose memory the host cannot map get each expert through a host copy and an upload, and every
// weight at load time through the upload threads' staging rings.
TEST(ExpertStreaming, StagedReadsGiveTheSameBits) {
    RUN_OR_SKIP(resident, -1, true);
    RUN_OR_SKIP(resident_staged, -1, true, true);
    EXPECT_TRUE(bits_equal(resident.prefill, resident_staged.prefill));
    EXPECT_TRUE(bits_equal(resident.decode, resident_staged.decode));
    RUN_OR_SKIP(staged, 5, true, true);
    EXPECT_GT(staged.stats.misses, 0u);
    expect_stats_add_up(staged.stats);
    EXPECT_TRUE(bits_equal(resident.prefill, staged.prefill));
    EXPECT_TRUE(bits_equal(resident.decode, staged.decode));
}

// Slots spread over several buffers (segments of 3 slots here) address the same experts.
TEST(ExpertStreaming, SeveralSlotSegmentsGiveTheSameBits) {
    RUN_OR_SKIP(resident, -1, true);
    const experts::ExpertShape sh = expert_shape();
    RUN_OR_SKIP(segmented, 12, true, false, 3 * std::max(sh.gate_up_slot_bytes(), sh.down_bytes));
    EXPECT_GT(segmented.stats.misses, 0u);
    EXPECT_TRUE(bits_equal(resident.prefill, segmented.prefill));
    EXPECT_TRUE(bits_equal(resident.decode, segmented.decode));
}

TEST(ExpertStreaming, PercentBudgets) {
    auto m = model::load_model(kModel);
    ASSERT_TRUE(m.is_ok()) << m.status().message();
    const uint64_t all = experts::ExpertLayout::of(*m.value()).value().total_bytes();
    for (int32_t percent : {100, 50, 10}) {
        session::GpuForwardOptions opts;
        opts.n_ctx = 16;
        opts.expert_cache_percent = percent;
        auto g = session::GpuForward::create(*m.value(), opts);
        if (!g.is_ok() && g.status().code() == StatusCode::kDevice) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(g.status());
        ASSERT_TRUE(g.is_ok()) << g.status().message();
        EXPECT_EQ(g.value()->experts_streamed(), percent < 100) << percent << "%";
        EXPECT_EQ(g.value()->expert_cache_bytes(), percent == 100 ? all : all * percent / 100) << percent << "%";
    }
}

TEST(ExpertStreaming, MissPathAndPrefetchPathGiveTheSameBits) {
    RUN_OR_SKIP(missing, 12, false);
    RUN_OR_SKIP(prefetched, 12, true);
    EXPECT_EQ(missing.stats.prefetch_hits, 0u);
    EXPECT_GT(missing.stats.misses, 0u);
    EXPECT_GT(prefetched.stats.prefetch_hits, 0u);
    expect_stats_add_up(missing.stats);
    expect_stats_add_up(prefetched.stats);
    EXPECT_TRUE(bits_equal(missing.prefill, prefetched.prefill));
    EXPECT_TRUE(bits_equal(missing.decode, prefetched.decode));
}

std::string temp_copy_of_model() {
    char path[] = "/tmp/moevk-stream-XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    std::ifstream in(kModel, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), (ssize_t)bytes.size());
    close(fd);
    return path;
}

// Truncating the file makes every expert read fail; writing the original bytes back repairs it in place
// (the context keeps its open file descriptor).
TEST(ExpertStreaming, TruncatedFileGivesIoErrorAndChangesNothing) {
    const std::string path = temp_copy_of_model();
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    session::ContextOptions opts;
    opts.n_ctx = 64;
    opts.expert_cache_bytes = 5 * (int64_t)expert_bytes();
    auto opened = session::Context::open(path, opts);
    if (!opened.is_ok()) {
        std::remove(path.c_str());
        if (opened.status().code() == StatusCode::kDevice) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(opened.status());
        FAIL() << opened.status().message();
    }
    session::Context &ctx = *opened.value();
    auto never_failed = session::Context::open(kModel, opts);
    ASSERT_TRUE(never_failed.is_ok()) << never_failed.status().message();
    const uint32_t n_vocab = ctx.hparams().n_vocab;
    const std::vector<int32_t> t = tokens(12, n_vocab, 9);
    std::vector<float> before(n_vocab), after(n_vocab), expected(n_vocab);
    ASSERT_TRUE(ctx.eval(t.data(), 8, 0, before.data()).is_ok());
    ASSERT_TRUE(never_failed.value()->eval(t.data(), 8, 0, nullptr).is_ok());

    uint64_t first_expert_byte = UINT64_MAX;
    for (const model::LayerWeights &lw : ctx.model().layers)
        first_expert_byte = std::min({first_expert_byte, lw.ffn_gate_exps->file_offset, lw.ffn_up_exps->file_offset,
                                      lw.ffn_down_exps->file_offset});
    ASSERT_EQ(truncate(path.c_str(), (off_t)first_expert_byte), 0);
    const experts::ExpertStats stats_before = ctx.stats().experts;
    std::vector<float> untouched(n_vocab, -7.0f);
    Status s = ctx.eval(t.data() + 8, 4, 8, untouched.data());
    EXPECT_EQ(s.code(), StatusCode::kIo) << s.message();
    EXPECT_NE(s.message().find("layer "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("expert "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("file offset "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("short read"), std::string::npos) << s.message();
    EXPECT_EQ(ctx.pos_max(), 7);
    EXPECT_EQ(untouched, std::vector<float>(n_vocab, -7.0f));
    ASSERT_TRUE(ctx.get_logits(after.data(), n_vocab).is_ok());
    EXPECT_TRUE(bits_equal(before, after));
    EXPECT_GT(ctx.stats().experts.misses, stats_before.misses);

    // whole again: the same call succeeds and equals a context that never failed
    const int fd = open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pwrite(fd, original.data(), original.size(), 0), (ssize_t)original.size());
    close(fd);
    s = ctx.eval(t.data() + 8, 4, 8, after.data());
    ASSERT_TRUE(s.is_ok()) << s.message();
    ASSERT_TRUE(never_failed.value()->eval(t.data() + 8, 4, 8, expected.data()).is_ok());
    EXPECT_TRUE(bits_equal(after, expected));
    const experts::ExpertStats st = ctx.stats().experts;
    EXPECT_EQ(st.hits + st.misses, st.lookups);
    std::remove(path.c_str());
}

TEST(ExpertStreaming, DirectIoReadsTheSameBytes) {
    auto plain = experts::ExpertFile::open(kModel, false);
    ASSERT_TRUE(plain.is_ok()) << plain.status().message();
    auto direct = experts::ExpertFile::open(kModel, true);
    if (!direct.is_ok()) GTEST_SKIP() << direct.status().message();
    for (uint64_t offset : {0ull, 1ull, 4095ull, 4096ull, 10000ull}) {
        std::vector<uint8_t> a(13824), b(13824);
        ASSERT_TRUE(plain.value()->read(offset, a.size(), a.data()).is_ok());
        Status s = direct.value()->read(offset, b.size(), b.data());
        ASSERT_TRUE(s.is_ok()) << s.message();
        EXPECT_EQ(a, b) << "offset " << offset;
    }
    std::vector<uint8_t> past(16);
    Status s = plain.value()->read(plain.value() ? 1ull << 40 : 0, past.size(), past.data());
    EXPECT_EQ(s.code(), StatusCode::kIo);
}

}  // namespace
}  // namespace moevk::test
