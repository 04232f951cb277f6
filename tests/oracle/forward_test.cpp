// forward_test.cpp — a quick end-to-end check of GpuForward on the tiny generated models against
// reference::Forward (the reference takes the GPU's expert choice, DESIGN.md section 7): the whole-model
// tier at every position, for every weight type; and logits for one call of N tokens, N calls of one
// token and prefill in small chunks that agree (bit for bit where the calls run the same kernels). The lead's tests/model suite covers the rest.
#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "model/model.h"
#include "oracle/oracle_util.h"
#include "reference/forward.h"
#include "session/gpu_forward.h"
#include "session/gpu_ops_hybrid.h"

namespace moevk::test {
namespace {

std::string model_path(const char *type) { return std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + type + ".gguf"; }

std::vector<int32_t> prompt(uint32_t n, uint32_t n_vocab) {
    std::vector<int32_t> t;
    for (uint32_t i = 0; i < n; ++i) t.push_back((int32_t)((i * 131 + 7) % n_vocab));
    return t;
}

struct Loaded {
    std::unique_ptr<model::Model> model;
    std::unique_ptr<session::GpuForward> gpu;
};

// Loads the model and opens a GpuForward; skips when the model or the device is missing.
Loaded open_forward(const char *type, session::GpuForwardOptions opts, bool *skip) {
    Loaded l;
    auto m = model::load_model(model_path(type));
    if (!m.is_ok()) {
        ADD_FAILURE() << "tiny-" << type << ": " << m.status().message();
        *skip = true;
        return l;
    }
    l.model = std::move(m).value();
    auto g = session::GpuForward::create(*l.model, opts);
    if (!g.is_ok()) {
        ADD_FAILURE() << g.status().message();
        *skip = true;
        return l;
    }
    l.gpu = std::move(g).value();
    return l;
}

TEST(Forward, EveryWeightTypeMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (const char *type : {"f32", "f16", "bf16", "q8_0", "q4_0"}) {
        session::GpuForwardOptions opts;
        opts.n_ctx = 64;
        opts.kv_type = session::KvType::kF32;
        bool skip = false;
        Loaded l = open_forward(type, opts, &skip);
        if (skip) return;
        const uint32_t n_vocab = l.model->hp.n_vocab;
        std::vector<int32_t> tokens = prompt(12, n_vocab);
        std::vector<float> gpu(tokens.size() * n_vocab), last(n_vocab);
        session::RoutingTrace trace;
        MOEVK_EXPECT_OK(l.gpu->eval(tokens.data(), 8, 0, nullptr, gpu.data(), &trace));
        session::RoutingTrace trace2;
        MOEVK_EXPECT_OK(l.gpu->eval(tokens.data() + 8, 4, 8, last.data(), gpu.data() + 8 * n_vocab, &trace2));
        for (uint32_t il = 0; il < l.model->hp.n_layer; ++il)
            trace.ids[il].insert(trace.ids[il].end(), trace2.ids[il].begin(), trace2.ids[il].end());

        reference::Forward ref(*l.model, 64);
        auto hook = [&](uint32_t layer, int32_t pos, reference::Routing &r) { r.ids = trace.ids[layer][pos]; };
        std::vector<float> want = ref.eval(tokens.data(), tokens.size(), hook);
        for (size_t p = 0; p < tokens.size(); ++p) {
            std::string err = whole_model_check(gpu.data() + p * n_vocab, want.data() + p * n_vocab, n_vocab);
            EXPECT_EQ(err, "") << "tiny-" << type << " position " << p;
        }
        expect_bit_identical(last, std::vector<float>(gpu.end() - n_vocab, gpu.end()), std::string("last logits ") + type);
        if (std::getenv("MOEVK_ORACLE_VERBOSE"))
            std::fprintf(stderr, "  tiny-%s: cosine of the last position %.9f\n", type,
                         cosine(gpu.data() + 11 * n_vocab, want.data() + 11 * n_vocab, n_vocab));
    }
}

// Logits of different splits of the same tokens: bit for bit while every split runs the same kernels, in
// the whole-model tier when the prompt kernels of a long call (GpuKernels::tiled_prefill, the chunked
// GatedDeltaNet prefill) round otherwise than the kernels of short ones (DESIGN.md section 7).
void expect_same_logits(const std::vector<float> &got, const std::vector<float> &want, uint32_t n_vocab,
                        bool same_kernels, const std::string &what) {
    if (same_kernels) return expect_bit_identical(got, want, what);
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t p = 0; p * n_vocab < got.size(); ++p)
        EXPECT_EQ(whole_model_check(got.data() + p * n_vocab, want.data() + p * n_vocab, n_vocab), "")
            << what << " position " << p;
}

// One call, chunks of 3 and token-by-token evaluation of n tokens give the same logits (see above); the
// same call again gives the same bits.
void expect_splits_agree(const vulkan::Device &device, session::GpuForwardOptions opts, uint32_t n,
                         const std::string &what, const char *type = "q4_0") {
    bool skip = false;
    Loaded whole = open_forward(type, opts, &skip);
    if (skip) return;
    opts.kernel_tuning.prefill_batch = 3;  // prefill in chunks of 3
    Loaded chunked = open_forward(type, opts, &skip);
    if (skip) return;
    const session::GpuKernels kernels(device, opts.kernel_tuning);  // the choices the forwards make
    // hybrid models: a call of kGatedDeltaChunkedMinTokens or more takes the chunked GatedDeltaNet prefill,
    // whose bits depend on where its sub-chunks start
    const bool chunked_delta = whole.model->hp.is_hybrid() && n >= session::kGatedDeltaChunkedMinTokens;
    const bool same_kernels = kernels.tiled_prefill(n) == kernels.tiled_prefill(1) && !chunked_delta;
    const uint32_t n_vocab = whole.model->hp.n_vocab;
    std::vector<int32_t> tokens = prompt(n, n_vocab);
    std::vector<float> one_call(n * n_vocab), again(n * n_vocab), in_chunks(n * n_vocab), last(n_vocab);
    MOEVK_EXPECT_OK(whole.gpu->eval(tokens.data(), n, 0, last.data(), one_call.data(), nullptr));
    MOEVK_EXPECT_OK(chunked.gpu->eval(tokens.data(), n, 0, nullptr, in_chunks.data(), nullptr));
    expect_same_logits(in_chunks, one_call, n_vocab, same_kernels, what + " chunked prefill");
    MOEVK_EXPECT_OK(whole.gpu->eval(tokens.data(), n, 0, nullptr, again.data(), nullptr));
    expect_bit_identical(again, one_call, what + " the same call again");
    // token by token on the first forward (its cache is overwritten position by position)
    for (uint32_t i = 0; i < n; ++i) {
        std::vector<float> step(n_vocab);
        MOEVK_EXPECT_OK(whole.gpu->eval(&tokens[i], 1, i, step.data(), nullptr, nullptr));
        expect_same_logits(step, std::vector<float>(one_call.begin() + i * n_vocab, one_call.begin() + (i + 1) * n_vocab),
                           n_vocab, same_kernels, what + " decode position " + std::to_string(i));
    }
}

TEST(Forward, SplitsOfTheSameTokensAgree) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (session::KvType kv : kAllKvTypes) {
        session::GpuForwardOptions opts;
        opts.n_ctx = 64;
        opts.kv_type = kv;
        expect_splits_agree(*env.device, opts, 10, session::kv_type_name(kv));
    }
}

// The GPUs' kernel choices on every device: split attention (40 tokens: keys past one tile of 32 split),
// prompt pairs grouped by expert, mat-mul token tiles; on qwen3moe and on the hybrid qwen3next. Bit for
// bit with the mat-vec kernels; with the tiled prompt kernels (from 4 tokens: the chunks of 3 keep the
// mat-vec ones) and on the hybrid (its 40-token call takes the chunked GatedDeltaNet prefill) in the
// whole-model tier.
TEST(Forward, GpuKernelChoicesKeepSplitsInAgreement) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuForwardOptions opts;
    opts.n_ctx = 64;
    opts.kernel_tuning.attention_kernel = session::AttentionKernel::kSplit;
    opts.kernel_tuning.moe_pair_tile = 4;
    opts.kernel_tuning.matmul_token_tile = 4;
    opts.kernel_tuning.prefill_kernel = session::PrefillKernel::kMatvec;
    expect_splits_agree(*env.device, opts, 40, "gpu kernel choices");
    expect_splits_agree(*env.device, opts, 40, "gpu kernel choices, hybrid", "qwen3next-f32");
    opts.kernel_tuning.prefill_kernel = session::PrefillKernel::kTiled;
    opts.kernel_tuning.prefill_min_tokens = 4;
    opts.kernel_tuning.prefill_min_rows = 1;
    expect_splits_agree(*env.device, opts, 40, "tiled prompt kernels");
    expect_splits_agree(*env.device, opts, 40, "tiled prompt kernels, hybrid", "qwen3next-f32");
}

TEST(Forward, KvExportImportContinuesBitIdentically) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (session::KvType kv : kAllKvTypes) {
        session::GpuForwardOptions opts;
        opts.n_ctx = 32;
        opts.kv_type = kv;
        bool skip = false;
        Loaded a = open_forward("q8_0", opts, &skip);
        if (skip) return;
        Loaded b = open_forward("q8_0", opts, &skip);
        if (skip) return;
        const uint32_t n_vocab = a.model->hp.n_vocab, n = 9;
        std::vector<int32_t> tokens = prompt(n + 1, n_vocab);
        MOEVK_EXPECT_OK(a.gpu->eval(tokens.data(), n, 0, nullptr, nullptr, nullptr));
        EXPECT_EQ(a.gpu->kv_type(), kv);
        for (uint32_t il = 0; il < a.model->hp.n_layer; ++il) {
            std::vector<uint8_t> bytes(a.gpu->kv_layer_bytes(n)), again(bytes.size());
            MOEVK_EXPECT_OK(a.gpu->read_kv(il, n, bytes.data()));
            MOEVK_EXPECT_OK(b.gpu->write_kv(il, n, bytes.data()));
            MOEVK_EXPECT_OK(b.gpu->read_kv(il, n, again.data()));
            EXPECT_EQ(bytes, again) << "layer " << il;
        }
        // the next token sees the same cache on both
        std::vector<float> la(n_vocab), lb(n_vocab);
        MOEVK_EXPECT_OK(a.gpu->eval(&tokens[n], 1, n, la.data(), nullptr, nullptr));
        MOEVK_EXPECT_OK(b.gpu->eval(&tokens[n], 1, n, lb.data(), nullptr, nullptr));
        expect_bit_identical(lb, la, std::string("after import, kv ") + session::kv_type_name(kv));
        // and both equal a third forward that evaluated all ten tokens in one call
        Loaded c = open_forward("q8_0", opts, &skip);
        if (skip) return;
        std::vector<float> all((n + 1) * n_vocab);
        MOEVK_EXPECT_OK(c.gpu->eval(tokens.data(), n + 1, 0, nullptr, all.data(), nullptr));
        expect_bit_identical(la, std::vector<float>(all.end() - n_vocab, all.end()),
                             std::string("9 + 1 tokens vs 10 in one call, kv ") + session::kv_type_name(kv));
        uint8_t dummy = 0;
        EXPECT_EQ(a.gpu->read_kv(a.model->hp.n_layer, 1, &dummy).code(), StatusCode::kInvalidArg);
        EXPECT_EQ(a.gpu->write_kv(0, 33, &dummy).code(), StatusCode::kInvalidArg);
    }
}

TEST(Forward, ContextsOnSeveralThreadsAgree) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    auto model = model::load_model(model_path("q4_0"));
    ASSERT_TRUE(model.is_ok()) << model.status().message();
    const uint32_t n_vocab = model.value()->hp.n_vocab;
    std::vector<int32_t> tokens = prompt(6, n_vocab);
    // each thread: its own GpuForward (own instance and device) on a shared read-only model
    std::vector<std::vector<float>> out(3, std::vector<float>(n_vocab));
    std::vector<Status> status(3);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
        threads.emplace_back([&, i] {
            session::GpuForwardOptions opts;
            opts.n_ctx = 16;
            auto g = session::GpuForward::create(*model.value(), opts);
            if (!g.is_ok()) {
                status[i] = g.status();
                return;
            }
            for (int rep = 0; rep < 3 && status[i].is_ok(); ++rep)
                status[i] = g.value()->eval(tokens.data(), 6, 0, out[i].data(), nullptr, nullptr);
        });
    }
    for (std::thread &t : threads) t.join();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(status[i].is_ok()) << status[i].message();
    expect_bit_identical(out[1], out[0], "thread 1");
    expect_bit_identical(out[2], out[0], "thread 2");
}

}  // namespace
}  // namespace moevk::test
