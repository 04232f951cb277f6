// whole_model_test.cpp — the GPU forward pass of whole tiny qwen3moe models against the CPU reference
// (reference::Forward), every position's logits within the whole-model tier: every weight type and a
// Q4_K_M-style mix, prompts of 1, 7 and 64 tokens followed by 16 decode steps, every KV cache type, and
// prompt splits.
// Routing near-ties (DESIGN.md section 7): the reference is handed the GPU's expert choice; where the two
// choices differ the reference's own router must show a near-tie at the top-k boundary.
#include <algorithm>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "device_required.h"
#include "reference/forward.h"
#include "session/context.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

std::string model_path(const std::string &type) { return std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + type + ".gguf"; }

struct Case {
    std::string weight_type;
    int n_prompt;
    session::KvType kv_type;
};

std::string describe(const Case &c) {
    const char *kv = c.kv_type == session::KvType::kF16 ? "kvf16" : c.kv_type == session::KvType::kF32 ? "kvf32" : "kvq8_0";
    return c.weight_type + "_prompt" + std::to_string(c.n_prompt) + "_" + kv;
}

std::string case_name(const ::testing::TestParamInfo<Case> &info) { return describe(info.param); }

// Readable parameter in test listings (ctest names) instead of the struct's raw bytes.
void PrintTo(const Case &c, std::ostream *os) { *os << describe(c); }

// Gap between the k-th and (k+1)-th largest router probabilities: small means a near-tie.
double topk_boundary_gap(std::vector<float> probs, size_t k) {
    if (k >= probs.size()) return INFINITY;
    std::sort(probs.begin(), probs.end(), std::greater<float>());
    return (double)probs[k - 1] - (double)probs[k];
}

// Runs one eval on the GPU and the same tokens on the reference (fed the GPU's routing); compares every
// position. Returns the GPU logits of the last position.
std::vector<float> eval_and_compare(session::Context &ctx, reference::Forward &ref, const std::vector<int32_t> &tokens,
                                    const std::string &what) {
    const uint32_t n_vocab = ctx.hparams().n_vocab;
    const int32_t start = ctx.pos_max() + 1;
    const size_t n = tokens.size();
    std::vector<float> gpu(n * n_vocab);
    session::RoutingTrace trace;
    Status s = ctx.eval(tokens.data(), (int32_t)n, start, nullptr, gpu.data(), &trace);
    EXPECT_TRUE(s.is_ok()) << s.message();
    if (!s.is_ok()) return {};
    int near_ties = 0;
    auto hook = [&](uint32_t layer, int32_t pos, reference::Routing &routing) {
        const std::vector<int32_t> &gpu_ids = trace.ids.at(layer).at((size_t)(pos - start));
        std::set<int32_t> a(gpu_ids.begin(), gpu_ids.end()), b(routing.ids.begin(), routing.ids.end());
        if (a != b) {
            const double gap = topk_boundary_gap(routing.probs, routing.ids.size());
            EXPECT_LT(gap, kRoutingTieGap) << what << ": layer " << layer << " pos " << pos
                                           << ": GPU chose other experts without a near-tie";
            ++near_ties;
        }
        routing.ids = gpu_ids;
    };
    std::vector<float> want = ref.eval(tokens.data(), n, hook);
    for (size_t i = 0; i < n; ++i) {
        std::string why = whole_model_check(gpu.data() + i * n_vocab, want.data() + i * n_vocab, n_vocab);
        EXPECT_EQ(why, "") << what << ": position " << start + (int32_t)i;
    }
    if (near_ties) std::printf("%s: %d routing near-ties resolved by the GPU's choice\n", what.c_str(), near_ties);
    return std::vector<float>(gpu.end() - n_vocab, gpu.end());
}

std::unique_ptr<session::Context> open_context(const std::string &type, session::KvType kv, uint32_t n_ctx) {
    session::ContextOptions opts;
    opts.kv_type = kv;
    opts.n_ctx = n_ctx;
    auto ctx = session::Context::open(model_path(type), opts);
    if (!ctx.is_ok()) {
        if (ctx.status().code() == StatusCode::kDevice && !device_required()) return nullptr;
        ADD_FAILURE() << ctx.status().message();
        return nullptr;
    }
    return std::move(ctx).value();
}

class WholeModel : public ::testing::TestWithParam<Case> {};

TEST_P(WholeModel, PrefillThenDecodeMatchesReference) {
    const Case &c = GetParam();
    auto ctx = open_context(c.weight_type, c.kv_type, 128);
    if (!ctx) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    // The reference stores K/V in the same element type as the GPU cache (section 7: exact dequantisation).
    const model::GgmlType kv = c.kv_type == session::KvType::kF32   ? model::GgmlType::kF32
                               : c.kv_type == session::KvType::kF16 ? model::GgmlType::kF16
                                                                    : model::GgmlType::kQ8_0;
    reference::Forward ref(ctx->model(), 128, kv);
    std::mt19937 rng(1234 + c.n_prompt);
    std::uniform_int_distribution<int32_t> token(0, (int32_t)ctx->hparams().n_vocab - 1);
    std::vector<int32_t> prompt(c.n_prompt);
    for (int32_t &t : prompt) t = token(rng);

    std::vector<float> last = eval_and_compare(*ctx, ref, prompt, "prompt");
    ASSERT_FALSE(last.empty());
    for (int step = 0; step < 16; ++step) {
        // Greedy next token from the GPU's logits, so both sides see the same sequence.
        const int32_t next = (int32_t)argmax(last.data(), last.size());
        last = eval_and_compare(*ctx, ref, {next}, "decode step " + std::to_string(step));
        ASSERT_FALSE(last.empty());
    }
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (const char *type : {"f32", "f16", "bf16", "q8_0", "q4_0"})
        for (int n : {1, 7, 64}) cases.push_back({type, n, session::KvType::kF16});
    // Q4_K_M-style mix (Q4_K, Q6_K output and layer-1 attn_v / ffn_down) on a 256-wide tiny shape
    for (int n : {7, 64}) cases.push_back({"q4_k_m", n, session::KvType::kF16});
    cases.push_back({"q4_0", 7, session::KvType::kF32});
    cases.push_back({"q4_0", 64, session::KvType::kF32});
    cases.push_back({"q4_0", 7, session::KvType::kQ8_0});
    cases.push_back({"q4_0", 64, session::KvType::kQ8_0});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(TinyQwen3Moe, WholeModel, ::testing::ValuesIn(all_cases()), case_name);

// The same tokens split differently into calls agree within the whole-model tier at every position.
TEST(WholeModelSplits, OneCallAndSingleTokenCallsAgree) {
    auto whole = open_context("q8_0", session::KvType::kF16, 128);
    auto split = open_context("q8_0", session::KvType::kF16, 128);
    if (!whole || !split) {
        if (!HasFailure()) GTEST_SKIP() << "no Vulkan device";
        return;
    }
    const uint32_t n_vocab = whole->hparams().n_vocab;
    std::vector<int32_t> tokens(40);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = (int32_t)((i * 131 + 7) % n_vocab);
    std::vector<float> all(tokens.size() * n_vocab);
    ASSERT_TRUE(whole->eval(tokens.data(), (int32_t)tokens.size(), 0, nullptr, all.data()).is_ok());
    std::vector<float> one(n_vocab);
    for (size_t i = 0; i < tokens.size(); ++i) {
        // Calls of 1, 2, 3, ... tokens would also do; single tokens are the extreme split.
        ASSERT_TRUE(split->eval(&tokens[i], 1, (int32_t)i, one.data()).is_ok());
        EXPECT_EQ(whole_model_check(one.data(), all.data() + i * n_vocab, n_vocab), "") << "position " << i;
    }
}

}  // namespace
}  // namespace moevk::test
