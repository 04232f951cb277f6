// model_test_util.cpp — see model_test_util.h.
#include "model/model_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "device_required.h"
#include "tolerance.h"

namespace moevk::test {

std::string tiny_model_path(const std::string &name) { return std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + name + ".gguf"; }

const char *kv_type_name(session::KvType kv) {
    return kv == session::KvType::kF16 ? "kvf16" : kv == session::KvType::kF32 ? "kvf32" : "kvq8_0";
}

model::GgmlType reference_kv_type(session::KvType kv) {
    return kv == session::KvType::kF32   ? model::GgmlType::kF32
           : kv == session::KvType::kF16 ? model::GgmlType::kF16
                                         : model::GgmlType::kQ8_0;
}

std::unique_ptr<session::Context> open_context(const std::string &name, session::KvType kv, uint32_t n_ctx) {
    session::ContextOptions opts;
    opts.kv_type = kv;
    opts.n_ctx = n_ctx;
    auto ctx = session::Context::open(tiny_model_path(name), opts);
    if (!ctx.is_ok()) {
        if (ctx.status().code() == StatusCode::kDevice && !device_required()) return nullptr;
        ADD_FAILURE() << ctx.status().message();
        return nullptr;
    }
    return std::move(ctx).value();
}

double topk_boundary_gap(std::vector<float> probs, size_t k) {
    if (k >= probs.size()) return INFINITY;
    std::sort(probs.begin(), probs.end(), std::greater<float>());
    return (double)probs[k - 1] - (double)probs[k];
}

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

void expect_same_bits(const std::vector<float> &a, const std::vector<float> &b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
            ADD_FAILURE() << "first difference at " << i << ": " << a[i] << " vs " << b[i];
            return;
        }
}

void TinyReferenceModel::SetUp() {
    const std::string path = tiny_model_path(GetParam());
    auto loaded = model::load_model(path);
    ASSERT_TRUE(loaded.is_ok()) << path << ": " << loaded.status().message();
    model_ = std::move(loaded).value();
    n_vocab_ = model_->hp.n_vocab;
    for (size_t i = 0; i < n_tokens_; ++i) tokens_.push_back((int32_t)((i * 37 + 11) % n_vocab_));
}

}  // namespace moevk::test
