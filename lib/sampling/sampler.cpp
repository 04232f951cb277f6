// sampler.cpp — the sampling chain. The penalty is llama.cpp's: each distinct token of the recent history
// has its logit divided by the penalty when positive and multiplied by it when not. top-p keeps the smallest
// prefix of the sorted candidates whose mass reaches p (at least one); min-p keeps those with p >= min_p * p_max.
#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace moevk::sampling {

namespace {

void softmax(std::vector<Sampler::Candidate> *c) {
    float max_logit = -INFINITY;
    for (const auto &x : *c) max_logit = std::max(max_logit, x.logit);
    double sum = 0;
    for (auto &x : *c) sum += x.p = std::exp((double)x.logit - (double)max_logit);
    for (auto &x : *c) x.p /= sum;
}

// Sorted by logit descending, ties by lower id, so the order never depends on the sort implementation.
void sort_desc(std::vector<Sampler::Candidate> *c) {
    std::sort(c->begin(), c->end(), [](const auto &a, const auto &b) {
        return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
    });
}

}  // namespace

Sampler::Sampler(const SamplerParams &params) : params_(params), rng_(params.seed) {}

Status Sampler::set(const std::string &key, double value) {
    auto bad = [&](const char *range) {
        return invalid_arg("sampler parameter '" + key + "' = " + std::to_string(value) + " is out of range " + range);
    };
    if (std::isnan(value)) return invalid_arg("sampler parameter '" + key + "' is NaN");
    if (key == "temp") {
        params_.temp = value;
    } else if (key == "top_k") {
        if (value < 0 || value > INT32_MAX || value != std::floor(value)) return bad("[0, 2^31) (integer)");
        params_.top_k = (int32_t)value;
    } else if (key == "top_p") {
        if (value < 0 || value > 1) return bad("[0, 1]");
        params_.top_p = value;
    } else if (key == "min_p") {
        if (value < 0 || value > 1) return bad("[0, 1]");
        params_.min_p = value;
    } else if (key == "repeat_penalty") {
        if (!(value > 0) || std::isinf(value)) return bad("(0, inf)");
        params_.repeat_penalty = value;
    } else if (key == "repeat_last_n") {
        if (value < 0 || value > 1 << 20 || value != std::floor(value)) return bad("[0, 2^20] (integer)");
        params_.repeat_last_n = (int32_t)value;
        while (history_.size() > (size_t)params_.repeat_last_n) history_.pop_front();
    } else if (key == "seed") {
        if (value < 0 || value > 18446744073709551615.0 || value != std::floor(value)) return bad("[0, 2^64)");
        params_.seed = (uint64_t)value;
        rng_.seed(params_.seed);
    } else {
        return invalid_arg("unknown sampler parameter '" + key +
                           "' (known: temp, top_k, top_p, min_p, repeat_penalty, repeat_last_n, seed)");
    }
    return Status::ok();
}

void Sampler::apply_penalty(std::vector<Candidate> *c) const {
    if (params_.repeat_penalty == 1.0 || history_.empty()) return;
    const std::unordered_set<int32_t> seen(history_.begin(), history_.end());
    for (auto &x : *c) {
        if (!seen.count(x.id)) continue;
        x.logit = x.logit > 0 ? (float)(x.logit / params_.repeat_penalty) : (float)(x.logit * params_.repeat_penalty);
    }
}

Status Sampler::sample(const float *logits, size_t n_vocab, int32_t *token) {
    if (logits == nullptr || n_vocab == 0 || n_vocab > (size_t)INT32_MAX) {
        return invalid_arg("logits must be a non-NULL array of n_vocab in [1, 2^31) floats");
    }
    cur_.resize(n_vocab);
    for (size_t i = 0; i < n_vocab; ++i) {
        if (std::isnan(logits[i])) return invalid_arg("logit " + std::to_string(i) + " is NaN");
        cur_[i] = {(int32_t)i, logits[i], 0.0};
    }
    apply_penalty(&cur_);
    if (params_.temp <= 0) {  // greedy: the argmax, lowest id on ties
        size_t best = 0;
        for (size_t i = 1; i < n_vocab; ++i) {
            if (cur_[i].logit > cur_[best].logit) best = i;
        }
        *token = cur_[best].id;
        cur_.clear();
        return Status::ok();
    }
    sort_desc(&cur_);
    if (params_.top_k > 0 && (size_t)params_.top_k < cur_.size()) cur_.resize((size_t)params_.top_k);
    softmax(&cur_);
    if (params_.top_p < 1.0) {
        double cum = 0;
        size_t keep = cur_.size();
        for (size_t i = 0; i < cur_.size(); ++i) {
            cum += cur_[i].p;
            if (cum >= params_.top_p) {
                keep = i + 1;
                break;
            }
        }
        cur_.resize(keep);
    }
    if (params_.min_p > 0) {
        const double threshold = params_.min_p * cur_[0].p;  // cur_ is sorted: [0] is the most likely
        size_t keep = 1;
        while (keep < cur_.size() && cur_[keep].p >= threshold) ++keep;
        cur_.resize(keep);
    }
    for (auto &x : cur_) x.logit = (float)(x.logit / params_.temp);
    softmax(&cur_);
    // One uniform draw in [0, 1) from 53 random bits (std::uniform_real_distribution is not specified
    // bit for bit across standard libraries).
    const double u = (double)(rng_() >> 11) * 0x1.0p-53;
    double cum = 0;
    *token = cur_.back().id;
    for (const auto &x : cur_) {
        cum += x.p;
        if (u < cum) {
            *token = x.id;
            break;
        }
    }
    return Status::ok();
}

Status Sampler::accept(int32_t token) {
    if (token < 0) return invalid_arg("token " + std::to_string(token) + " is negative");
    if (params_.repeat_last_n == 0) return Status::ok();
    history_.push_back(token);
    while (history_.size() > (size_t)params_.repeat_last_n) history_.pop_front();
    return Status::ok();
}

void Sampler::reset() {
    history_.clear();
    cur_.clear();
    rng_.seed(params_.seed);
}

}  // namespace moevk::sampling
