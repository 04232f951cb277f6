// reference_gdn_test.cpp — the hybrid models' reference ops on hand-checked values: gates (sigmoid, softplus,
// sigmoid-gated output, gated RMSNorm), L2 norm of Q/K heads, the conv1d state step, the gated delta rule
// (one step by hand, "a written key recalls its value", decay), and the chunked prefill form against
// token-by-token steps; partial NeoX RoPE leaves the unrotated dims alone.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "reference/ops.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

using test::kElemAbs;
using test::kElemRel;

bool close(double a, double r) { return std::fabs(a - r) <= kElemAbs + kElemRel * std::fabs(r); }

TEST(ReferenceGates, SigmoidAndSoftplus) {
    EXPECT_EQ(sigmoid(0.0), 0.5);
    EXPECT_TRUE(close(sigmoid(2.0), 0.8807970779778823));
    EXPECT_TRUE(close(softplus(0.0), std::log(2.0)));
    EXPECT_TRUE(close(softplus(1.0), 1.3132616875182228));
    EXPECT_EQ(softplus(800.0), 800.0);  // no overflow
    EXPECT_GT(softplus(-800.0), -1.0);
    EXPECT_TRUE(std::isfinite(softplus(-800.0)));
}

TEST(ReferenceGates, SigmoidGatedOutput) {
    float x[3] = {2.0f, -4.0f, 1.0f};
    const float gate[3] = {0.0f, 2.0f, -30.0f};
    sigmoid_gate(x, gate, 3);
    EXPECT_EQ(x[0], 1.0f);
    EXPECT_TRUE(close(x[1], -4.0 * 0.8807970779778823));
    EXPECT_TRUE(close(x[2], 0.0));
}

TEST(ReferenceGates, GatedRmsNorm) {
    const float x[4] = {1.0f, -1.0f, 1.0f, -1.0f}, w[4] = {1.0f, 2.0f, 0.5f, 1.0f};
    const float z_zero[4] = {0, 0, 0, 0}, z_two[4] = {2, 2, 2, 2};
    float y[4];
    rms_norm_gated(x, w, z_zero, y, 4, 0.0f);  // silu(0) = 0 closes the gate
    for (float v : y) EXPECT_EQ(v, 0.0f);
    rms_norm_gated(x, w, z_two, y, 4, 0.0f);   // rms(x) = 1, silu(2) = 2 sigmoid(2)
    const double silu2 = 2.0 * 0.8807970779778823;
    const double expect[4] = {silu2, -2.0 * silu2, 0.5 * silu2, -silu2};
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(close(y[i], expect[i])) << i << ": " << y[i];
    float in_place[4] = {3.0f, 0.0f, 0.0f, 0.0f};  // rms = 1.5 with eps 0
    rms_norm_gated(in_place, w, z_two, in_place, 4, 0.0f);
    EXPECT_TRUE(close(in_place[0], 2.0 * silu2));
}

TEST(ReferenceGates, L2NormOfAHead) {
    float x[2] = {3.0f, 4.0f};
    l2_norm(x, x, 2, 1e-6f);
    EXPECT_TRUE(close(x[0], 0.6));
    EXPECT_TRUE(close(x[1], 0.8));
    float zero[3] = {0, 0, 0}, y[3];
    l2_norm(zero, y, 3, 1e-6f);  // max(||x||, eps): no 0/0
    for (float v : y) EXPECT_EQ(v, 0.0f);
    float tiny[1] = {1e-7f};  // below eps: divided by eps, as ggml_l2_norm
    l2_norm(tiny, tiny, 1, 1e-6f);
    EXPECT_TRUE(close(tiny[0], 0.1));
}

TEST(ReferenceConv1d, StateStepsByHand) {
    // one channel, 3 taps w = [1, 2, 3] (3 multiplies the newest input), state starts at zero
    const float w[3] = {1, 2, 3};
    float state[2] = {0, 0}, out = 0;
    auto silu = [](double a) { return a / (1.0 + std::exp(-a)); };
    const float xs[3] = {1, 2, 0};
    const double acc[3] = {3, 0 * 1 + 1 * 2 + 2 * 3, 1 * 1 + 2 * 2 + 0 * 3};
    for (int t = 0; t < 3; ++t) {
        const float x = xs[t];
        conv1d_silu_step(&x, w, state, &out, 1, 3);
        EXPECT_TRUE(close(out, silu(acc[t]))) << t;
    }
    EXPECT_EQ(state[0], 2.0f);
    EXPECT_EQ(state[1], 0.0f);
}

TEST(ReferenceConv1d, ChannelsAreIndependent) {
    const float w[2 * 2] = {1, 1, 0.5f, -1};  // channel 0: [1, 1], channel 1: [0.5, -1]
    float state[2] = {1, 2};
    const float x[2] = {3, 4};
    float out[2];
    conv1d_silu_step(x, w, state, out, 2, 2);
    auto silu = [](double a) { return a / (1.0 + std::exp(-a)); };
    EXPECT_TRUE(close(out[0], silu(1 + 3)));
    EXPECT_TRUE(close(out[1], silu(0.5 * 2 - 4)));
    EXPECT_EQ(state[0], 3.0f);
    EXPECT_EQ(state[1], 4.0f);
}

TEST(ReferenceGatedDelta, TwoStepsByHand) {
    // d_k = 2, d_v = 1. Step 1: empty state, k = e0, v = 2, beta = 0.5: delta = 1, S = [1, 0].
    float S[2] = {0, 0}, out = 0;
    const float k[2] = {1, 0}, v = 2, q1[2] = {1, 0};
    gated_delta_step(S, q1, k, &v, 0.0, 0.5, 1.0, 2, 1, &out);
    EXPECT_EQ(S[0], 1.0f);
    EXPECT_EQ(S[1], 0.0f);
    EXPECT_EQ(out, 1.0f);
    // Step 2: decay 1/2 gives S = [0.5, 0]; kv = 0.5, delta = 0.5 (2 - 0.5) = 0.75, S = [1.25, 0].
    const float q2[2] = {1, 1};
    gated_delta_step(S, q2, k, &v, std::log(0.5), 0.5, 2.0, 2, 1, &out);
    EXPECT_TRUE(close(S[0], 1.25));
    EXPECT_TRUE(close(out, 2.5));  // scale 2
}

TEST(ReferenceGatedDelta, AWrittenKeyRecallsItsValue) {
    // With beta = 1 and no decay the delta rule overwrites the value stored under a unit key exactly,
    // whatever was stored before, and leaves orthogonal keys alone.
    const size_t dk = 4, dv = 3;
    std::vector<float> S(dk * dv);
    for (size_t i = 0; i < S.size(); ++i) S[i] = 0.1f * (float)i - 0.3f;
    const float k[4] = {0.5f, 0.5f, 0.5f, 0.5f}, v[3] = {1.0f, -2.0f, 0.25f};
    const float orth[4] = {0.5f, -0.5f, 0.5f, -0.5f};
    std::vector<float> before(dv), out(dv), recall(dv);
    gated_delta_step(std::vector<float>(S).data(), orth, k, v, 0.0, 0.0, 1.0, dk, dv, before.data());  // beta 0: read only
    gated_delta_step(S.data(), k, k, v, 0.0, 1.0, 1.0, dk, dv, out.data());
    for (size_t j = 0; j < dv; ++j) EXPECT_TRUE(close(out[j], v[j])) << j;
    std::vector<float> S2 = S;
    const float zero_v[3] = {0, 0, 0};
    gated_delta_step(S2.data(), orth, orth, zero_v, 0.0, 0.0, 1.0, dk, dv, recall.data());
    for (size_t j = 0; j < dv; ++j) EXPECT_TRUE(close(recall[j], before[j])) << j;
}

TEST(ReferenceGatedDelta, DecayForgets) {
    float S[1] = {4.0f}, out = 0;
    const float q = 1, k = 0, v = 0;  // k = 0: no write, only the decay
    gated_delta_step(S, &q, &k, &v, -std::log(4.0), 0.5, 1.0, 1, 1, &out);
    EXPECT_TRUE(close(S[0], 1.0));
    EXPECT_TRUE(close(out, 1.0));
}

TEST(ReferenceGatedDelta, ChunkedEqualsTokenByToken) {
    const size_t n = 37, dk = 8, dv = 6;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> q(n * dk), k(n * dk), v(n * dv), S0(dk * dv);
    std::vector<double> g(n), beta(n);
    for (auto &x : q) x = u(rng);
    for (auto &x : v) x = u(rng);
    for (auto &x : S0) x = 0.3f * u(rng);
    for (size_t t = 0; t < n; ++t) {
        for (size_t i = 0; i < dk; ++i) k[t * dk + i] = u(rng);
        l2_norm(&k[t * dk], &k[t * dk], dk, 1e-6f);  // as the model feeds it
        l2_norm(&q[t * dk], &q[t * dk], dk, 1e-6f);
        g[t] = -softplus(u(rng)) * 0.5;
        beta[t] = sigmoid(2.0 * u(rng));
    }
    const double scale = 1.0 / std::sqrt((double)dk);
    std::vector<float> S_step = S0, out_step(n * dv);
    for (size_t t = 0; t < n; ++t)
        gated_delta_step(S_step.data(), &q[t * dk], &k[t * dk], &v[t * dv], g[t], beta[t], scale, dk, dv, &out_step[t * dv]);
    for (size_t chunk : {1u, 8u, 64u}) {
        std::vector<float> S = S0, out(n * dv);
        gated_delta_chunked(S.data(), q.data(), k.data(), v.data(), g.data(), beta.data(), scale, n, dk, dv, chunk, out.data());
        EXPECT_LE(test::nmse(out.data(), out_step.data(), out.size()), test::kNmseF32Weights) << "chunk " << chunk;
        EXPECT_LE(test::nmse(S.data(), S_step.data(), S.size()), test::kNmseF32Weights) << "chunk " << chunk;
    }
}

TEST(ReferenceRope, PartialRotationLeavesTheTail) {
    std::vector<float> head(32);
    for (size_t i = 0; i < head.size(); ++i) head[i] = (float)i + 1.0f;
    const std::vector<float> before = head;
    rope_neox(head.data(), 32, 8, 5, 1e7f);
    for (size_t i = 8; i < 32; ++i) EXPECT_EQ(head[i], before[i]) << i;
    // pair (0, 4) turns by 5 rad (frequency 1 for i = 0)
    EXPECT_TRUE(close(head[0], 1.0 * std::cos(5.0) - 5.0 * std::sin(5.0)));
    EXPECT_TRUE(close(head[4], 1.0 * std::sin(5.0) + 5.0 * std::cos(5.0)));
    // pair (1, 5) turns by 5 * base^(-2/8)
    const double th = 5.0 * std::pow(1e7, -2.0 / 8.0);
    EXPECT_TRUE(close(head[1], 2.0 * std::cos(th) - 6.0 * std::sin(th)));
}

}  // namespace
}  // namespace moevk::reference
