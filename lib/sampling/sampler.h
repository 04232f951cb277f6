// sampler.h — picks the next token from a logits array: repetition penalty, then top-k, top-p, min-p and
// temperature, then a draw from its own seeded generator (or the argmax when temp <= 0). llama.cpp's
// definitions and chain order. Knows nothing of models or contexts; one sampler per thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/status.h"

namespace moevk::sampling {

struct SamplerParams {
    double temp = 0.8;            // <= 0: greedy (argmax after the penalty)
    int32_t top_k = 40;           // <= 0: off
    double top_p = 0.95;          // >= 1: off
    double min_p = 0.05;          // <= 0: off
    double repeat_penalty = 1.0;  // 1: off
    int32_t repeat_last_n = 64;   // how many accepted tokens the penalty looks back at (0: none)
    uint64_t seed = 0;
};

class Sampler {
public:
    explicit Sampler(const SamplerParams &params);

    // kInvalidArg for an unknown key or a value outside its range (the message names both).
    Status set(const std::string &key, double value);
    // Exact 64-bit seed (set("seed", v) goes through a double); restarts the generator.
    void set_seed(uint64_t seed) {
        params_.seed = seed;
        rng_.seed(seed);
    }
    const SamplerParams &params() const { return params_; }

    // Picks a token in [0, n_vocab). kInvalidArg for n_vocab == 0 or a NaN logit. Does not record it:
    // accept() does (so a caller can also record prompt tokens or tokens it chose itself).
    Status sample(const float *logits, size_t n_vocab, int32_t *token);
    // Adds token to the penalty history (kInvalidArg when negative).
    Status accept(int32_t token);
    // Empties the history and restarts the generator from the seed.
    void reset();

    // The candidates left after penalty and filters, as probabilities (for tests); empty for greedy.
    struct Candidate {
        int32_t id;
        float logit;
        double p;
    };
    const std::vector<Candidate> &last_candidates() const { return cur_; }

private:
    void apply_penalty(std::vector<Candidate> *c) const;
    SamplerParams params_;
    std::mt19937_64 rng_;          // std::mt19937_64 is fully specified by the standard: same draws everywhere
    std::deque<int32_t> history_;  // the last repeat_last_n accepted tokens
    std::vector<Candidate> cur_;
};

}  // namespace moevk::sampling
