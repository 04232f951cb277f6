// sampler_test.cpp — the sampler through its C API (no context needed) and its internals: seeded runs are
// reproducible, top-k / top-p / min-p never emit an excluded token, temperature 0 is greedy, the repetition
// penalty is llama.cpp's, bad arguments are refused.
#include <cmath>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine.h"
#include "sampling/sampler.h"

namespace {

struct SamplerHolder {
    moevk_sampler *s = nullptr;
    SamplerHolder() { EXPECT_EQ(moevk_sampler_create(&s), MOEVK_OK); }
    ~SamplerHolder() { moevk_sampler_free(s); }
    operator moevk_sampler *() const { return s; }
};

std::vector<float> random_logits(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 3.0f);
    std::vector<float> x(n);
    for (float &v : x) v = d(rng);
    return x;
}

// Logits whose softmax is exactly probs (up to rounding).
std::vector<float> logits_of(const std::vector<double> &probs) {
    std::vector<float> x;
    for (double p : probs) x.push_back((float)std::log(p));
    return x;
}

int32_t argmax(const std::vector<float> &x) {
    int32_t best = 0;
    for (size_t i = 1; i < x.size(); ++i)
        if (x[i] > x[(size_t)best]) best = (int32_t)i;
    return best;
}

std::vector<int32_t> run(moevk_sampler *s, const std::vector<float> &logits, int n) {
    std::vector<int32_t> out;
    for (int i = 0; i < n; ++i) {
        int32_t t = -1;
        EXPECT_EQ(moevk_sampler_sample(s, logits.data(), logits.size(), &t), MOEVK_OK) << moevk_sampler_last_error(s);
        out.push_back(t);
    }
    return out;
}

void set(moevk_sampler *s, const char *key, double v) {
    ASSERT_EQ(moevk_sampler_set_f64(s, key, v), MOEVK_OK) << key << ": " << moevk_sampler_last_error(s);
}

// Only the filter under test: everything else off, temperature 1.
void plain(moevk_sampler *s) {
    set(s, "temp", 1.0);
    set(s, "top_k", 0);
    set(s, "top_p", 1.0);
    set(s, "min_p", 0.0);
}

TEST(Sampler, SeededRunsAreReproducible) {
    const std::vector<float> logits = random_logits(512, 1);
    SamplerHolder a, b, c;
    for (moevk_sampler *s : {a.s, b.s, c.s}) plain(s);
    ASSERT_EQ(moevk_sampler_set_i64(a, "seed", 1234), MOEVK_OK);
    ASSERT_EQ(moevk_sampler_set_i64(b, "seed", 1234), MOEVK_OK);
    ASSERT_EQ(moevk_sampler_set_i64(c, "seed", 99), MOEVK_OK);
    const std::vector<int32_t> ra = run(a, logits, 300), rb = run(b, logits, 300), rc = run(c, logits, 300);
    EXPECT_EQ(ra, rb);
    EXPECT_NE(ra, rc);
    EXPECT_GT(std::set<int32_t>(ra.begin(), ra.end()).size(), 5u) << "temperature 1 should spread the draws";
    ASSERT_EQ(moevk_sampler_reset(a), MOEVK_OK);  // reset restarts the generator from the seed
    EXPECT_EQ(run(a, logits, 300), ra);
}

TEST(Sampler, TemperatureZeroIsGreedy) {
    SamplerHolder s;
    set(s, "temp", 0.0);
    set(s, "top_k", 5);  // filters do not matter for greedy
    for (uint32_t seed = 0; seed < 20; ++seed) {
        const std::vector<float> logits = random_logits(300, seed);
        int32_t t = -1;
        ASSERT_EQ(moevk_sampler_sample(s, logits.data(), logits.size(), &t), MOEVK_OK);
        EXPECT_EQ(t, argmax(logits));
    }
    const std::vector<float> ties = {1.0f, 3.0f, 3.0f, 2.0f};
    EXPECT_EQ(run(s, ties, 1)[0], 1) << "greedy takes the lowest id among equal logits";
}

TEST(Sampler, TopKNeverEmitsExcluded) {
    const std::vector<float> logits = random_logits(200, 7);
    std::vector<int32_t> order(logits.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = (int32_t)i;
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[(size_t)a] > logits[(size_t)b]; });
    const std::set<int32_t> top3(order.begin(), order.begin() + 3);
    SamplerHolder s;
    plain(s);
    set(s, "top_k", 3);
    set(s, "temp", 5.0);  // flatten, so excluded tokens would show up if they could
    std::set<int32_t> seen;
    for (int32_t t : run(s, logits, 2000)) {
        EXPECT_TRUE(top3.count(t)) << t;
        seen.insert(t);
    }
    EXPECT_EQ(seen, top3);
}

TEST(Sampler, TopPNeverEmitsExcluded) {
    // p = 0.5, 0.3, 0.15, 0.05: top_p 0.75 keeps the smallest prefix reaching 0.75, tokens {0, 1}.
    const std::vector<float> logits = logits_of({0.5, 0.3, 0.15, 0.05});
    SamplerHolder s;
    plain(s);
    set(s, "top_p", 0.75);
    std::set<int32_t> seen;
    for (int32_t t : run(s, logits, 2000)) seen.insert(t);
    EXPECT_EQ(seen, (std::set<int32_t>{0, 1}));
}

TEST(Sampler, MinPNeverEmitsExcluded) {
    // min_p 0.25: keep p >= 0.25 * 0.5 = 0.125, tokens {0, 1, 2}.
    const std::vector<float> logits = logits_of({0.5, 0.3, 0.15, 0.05});
    SamplerHolder s;
    plain(s);
    set(s, "min_p", 0.25);
    set(s, "temp", 3.0);
    std::set<int32_t> seen;
    for (int32_t t : run(s, logits, 3000)) seen.insert(t);
    EXPECT_EQ(seen, (std::set<int32_t>{0, 1, 2}));
}

TEST(Sampler, DrawsFollowTheDistribution) {
    const std::vector<float> logits = logits_of({0.7, 0.2, 0.1});
    SamplerHolder s;
    plain(s);
    std::vector<int> count(3);
    const int n = 20000;
    for (int32_t t : run(s, logits, n)) ++count[(size_t)t];
    // 5 standard deviations of a binomial count: sqrt(n p (1-p)).
    const double p[] = {0.7, 0.2, 0.1};
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(count[(size_t)i], n * p[i], 5 * std::sqrt(n * p[i] * (1 - p[i])));
}

TEST(Sampler, RepetitionPenaltyAsLlamaCpp) {
    // Seen tokens: a positive logit is divided by the penalty, a negative one multiplied; each seen token
    // once, however often it was accepted.
    moevk::sampling::SamplerParams params;
    params.temp = 1.0, params.top_k = 0, params.top_p = 1.0, params.min_p = 0.0;
    params.repeat_penalty = 2.0;
    moevk::sampling::Sampler s(params);
    ASSERT_TRUE(s.accept(0).is_ok());
    ASSERT_TRUE(s.accept(0).is_ok());
    ASSERT_TRUE(s.accept(1).is_ok());
    const float logits[] = {2.0f, -1.0f, 1.5f, 0.5f};
    int32_t t = -1;
    ASSERT_TRUE(s.sample(logits, 4, &t).is_ok());
    std::vector<float> got(4);
    for (const auto &c : s.last_candidates()) got[(size_t)c.id] = c.logit;
    EXPECT_EQ(got, (std::vector<float>{1.0f, -2.0f, 1.5f, 0.5f}));

    // Through the C API with greedy sampling: token 0 (2.0 -> 1.0) loses to token 2 (1.5).
    SamplerHolder c;
    set(c, "temp", 0.0);
    set(c, "repeat_penalty", 2.0);
    EXPECT_EQ(run(c, std::vector<float>(logits, logits + 4), 1)[0], 0);
    ASSERT_EQ(moevk_sampler_accept(c, 0), MOEVK_OK);
    EXPECT_EQ(run(c, std::vector<float>(logits, logits + 4), 1)[0], 2);
    // Only the last repeat_last_n accepted tokens count.
    set(c, "repeat_last_n", 1);
    ASSERT_EQ(moevk_sampler_accept(c, 3), MOEVK_OK);
    EXPECT_EQ(run(c, std::vector<float>(logits, logits + 4), 1)[0], 0);
}

TEST(Sampler, RefusesBadArguments) {
    SamplerHolder s;
    const float logits[] = {0.0f, NAN};
    int32_t t = 0;
    EXPECT_EQ(moevk_sampler_sample(s, logits, 2, &t), MOEVK_E_INVALID_ARG);
    EXPECT_NE(std::string(moevk_sampler_last_error(s)).find("NaN"), std::string::npos);
    EXPECT_EQ(moevk_sampler_sample(s, logits, 0, &t), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_sample(s, nullptr, 2, &t), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_sample(s, logits, 1, nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_sample(nullptr, logits, 1, &t), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_set_f64(s, "top_p", 1.5), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_set_f64(s, "top_k", 2.5), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_set_f64(s, "repeat_penalty", 0.0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_set_f64(s, "no_such_key", 1.0), MOEVK_E_INVALID_ARG);
    EXPECT_NE(std::string(moevk_sampler_last_error(s)).find("no_such_key"), std::string::npos);
    EXPECT_EQ(moevk_sampler_set_f64(s, nullptr, 1.0), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_accept(s, -1), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_create(nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_sampler_sample(s, logits, 1, &t), MOEVK_OK);  // still usable after errors
    EXPECT_EQ(t, 0);
    EXPECT_EQ(std::string(moevk_sampler_last_error(s)), "");
    moevk_sampler_free(nullptr);
}

TEST(Sampler, SamplersOnThreadsAreIndependent) {
    // No global state: samplers drawing at the same time on several threads give what each gives alone.
    const std::vector<float> logits = random_logits(400, 3);
    std::vector<std::vector<int32_t>> alone(4), together(4);
    for (int i = 0; i < 4; ++i) {
        SamplerHolder s;
        plain(s);
        moevk_sampler_set_i64(s, "seed", 100 + i);
        alone[(size_t)i] = run(s, logits, 500);
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            moevk_sampler *s = nullptr;
            moevk_sampler_create(&s);
            moevk_sampler_set_f64(s, "temp", 1.0);
            moevk_sampler_set_f64(s, "top_k", 0);
            moevk_sampler_set_f64(s, "top_p", 1.0);
            moevk_sampler_set_f64(s, "min_p", 0.0);
            moevk_sampler_set_i64(s, "seed", 100 + i);
            for (int k = 0; k < 500; ++k) {
                int32_t t = -1;
                moevk_sampler_sample(s, logits.data(), logits.size(), &t);
                together[(size_t)i].push_back(t);
            }
            moevk_sampler_free(s);
        });
    }
    for (auto &t : threads) t.join();
    EXPECT_EQ(alone, together);
}

}  // namespace
