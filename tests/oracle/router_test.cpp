// router_test.cpp — router_topk against reference::route_topk: exact expert ids on logits without
// near-ties, weights in the element-wise tier, with and without renormalisation; ties go to the lower id;
// a token's choice does not depend on its batch; non-finite logits still give k distinct valid ids.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "oracle/oracle_util.h"
#include "reference/ops.h"

namespace moevk::test {
namespace {

// n_tokens rows of n_expert logits, each a shuffled ladder with steps of 0.05 (no near-ties).
std::vector<float> ladder_logits(uint32_t n_tokens, uint32_t n_expert, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> out;
    for (uint32_t t = 0; t < n_tokens; ++t) {
        std::vector<float> row(n_expert);
        for (uint32_t e = 0; e < n_expert; ++e) row[e] = -2.0f + 0.05f * (float)e;
        std::shuffle(row.begin(), row.end(), rng);
        out.insert(out.end(), row.begin(), row.end());
    }
    return out;
}

struct RouterResult {
    std::vector<int32_t> ids;
    std::vector<float> weights;
};

RouterResult gpu_route(const std::vector<float> &logits, uint32_t n_tokens, uint32_t n_expert, uint32_t k,
                       bool norm, uint32_t ids_offset = 3) {
    auto lb = upload_vector(logits.empty() ? std::vector<float>(1) : logits, "logits");
    auto ids = zero_buffer((ids_offset + n_tokens * k + 1) * 4, "ids");
    auto w = zero_buffer((n_tokens * k + 1) * 4, "w");
    session::RouterOp op;
    op.logits = {lb.get(), 0, n_expert};
    op.n_tokens = n_tokens;
    op.n_expert = n_expert;
    op.k = k;
    op.norm_topk = norm;
    op.ids = ids.get();
    op.ids_offset = ids_offset;
    op.weights = w.get();
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_router(rec, op); });
    std::vector<int32_t> all_ids = download_vector<int32_t>(*ids, ids_offset + n_tokens * k);
    return {std::vector<int32_t>(all_ids.begin() + ids_offset, all_ids.end()),
            download_vector<float>(*w, n_tokens * k)};
}

RouterResult ref_route(const std::vector<float> &logits, uint32_t n_tokens, uint32_t n_expert, uint32_t k, bool norm) {
    RouterResult r{std::vector<int32_t>(n_tokens * k), std::vector<float>(n_tokens * k)};
    for (uint32_t t = 0; t < n_tokens; ++t)
        reference::route_topk(logits.data() + t * n_expert, n_expert, k, norm, r.ids.data() + t * k,
                              r.weights.data() + t * k);
    return r;
}

TEST(Router, ExactIdsAndWeights) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (uint32_t n_expert : {8u, 60u, 128u}) {
        for (uint32_t k : {1u, 4u, 8u}) {
            for (bool norm : {true, false}) {
                const uint32_t n_tokens = 70;  // more than one workgroup
                std::vector<float> logits = ladder_logits(n_tokens, n_expert, n_expert * 10 + k);
                RouterResult g = gpu_route(logits, n_tokens, n_expert, k, norm);
                RouterResult r = ref_route(logits, n_tokens, n_expert, k, norm);
                const std::string what = "experts " + std::to_string(n_expert) + " k " + std::to_string(k) +
                                         (norm ? " norm" : " no-norm");
                EXPECT_EQ(g.ids, r.ids) << what;
                expect_elementwise(g.weights, r.weights, what);
            }
        }
    }
}

TEST(Router, TiesGoToTheLowerId) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    std::vector<float> logits = {0.5f, 1.0f, 1.0f, 0.5f, 1.0f, 0.5f};
    RouterResult g = gpu_route(logits, 1, 6, 4, true);
    EXPECT_EQ(g.ids, (std::vector<int32_t>{1, 2, 4, 0}));
    EXPECT_EQ(g.ids, ref_route(logits, 1, 6, 4, true).ids);
}

TEST(Router, NonFiniteLogitsStillChooseKDistinctValidExperts) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    std::vector<float> logits = {0.5f, nan, -inf, 1.0f, nan, -0.0f, 0.0f, -inf, inf, -nan};
    for (uint32_t k : {1u, 4u, 10u}) {
        RouterResult g = gpu_route(logits, 1, 10, k, true);
        std::vector<int32_t> sorted = g.ids;
        std::sort(sorted.begin(), sorted.end());
        EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << "k " << k;
        for (int32_t id : g.ids) EXPECT_TRUE(id >= 0 && id < 10) << "k " << k << " id " << id;
    }
    // -0 ties with +0 (lower id first), below 0.5 and above -inf
    std::vector<float> zeros = {-inf, 0.0f, 0.5f, -0.0f};
    EXPECT_EQ(gpu_route(zeros, 1, 4, 4, false).ids, (std::vector<int32_t>{2, 1, 3, 0}));
    EXPECT_EQ(gpu_route(zeros, 1, 4, 4, false).ids, ref_route(zeros, 1, 4, 4, false).ids);
}

TEST(Router, ZeroTokensAndBatchInvariance) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    EXPECT_TRUE(gpu_route({}, 0, 8, 2, true).ids.empty());
    std::vector<float> logits = ladder_logits(5, 60, 99);
    RouterResult batch = gpu_route(logits, 5, 60, 8, true);
    for (uint32_t t = 0; t < 5; ++t) {
        RouterResult one = gpu_route(std::vector<float>(logits.begin() + t * 60, logits.begin() + (t + 1) * 60), 1, 60, 8, true, 0);
        EXPECT_EQ(one.ids, std::vector<int32_t>(batch.ids.begin() + t * 8, batch.ids.begin() + (t + 1) * 8));
        expect_bit_identical(one.weights, std::vector<float>(batch.weights.begin() + t * 8, batch.weights.begin() + (t + 1) * 8),
                             "router token " + std::to_string(t));
    }
}

TEST(Router, TooManyExpertsPerTokenIsUnsupported) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    auto dummy = zero_buffer(4096, "d");
    session::RouterOp op;
    op.logits = {dummy.get(), 0, 64};
    op.n_tokens = 1;
    op.n_expert = 64;
    op.k = session::kMaxExpertsUsed + 1;
    op.ids = op.weights = dummy.get();
    session::GpuRecorder rec{test_kernels(), *env.stream};
    ASSERT_TRUE(env.stream->begin().is_ok());
    EXPECT_EQ(session::record_router(rec, op).code(), StatusCode::kUnsupported);
    ASSERT_TRUE(env.stream->submit_and_wait().is_ok());
}

}  // namespace
}  // namespace moevk::test
