// bench_run.cpp — one bench measurement through session::Context (see bench_run.h).
#include "bench_run.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <vector>

#include "session/context.h"

namespace moevk::bench {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Fixed pseudo-random tokens: the same sequence for every budget, so the rows compare the same work.
std::vector<int32_t> random_tokens(uint32_t n, uint32_t n_vocab, uint32_t seed) {
    std::vector<int32_t> t(n);
    uint64_t x = seed;
    for (uint32_t i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        t[i] = (int32_t)((x >> 33) % n_vocab);
    }
    return t;
}

void add_stats(PhaseResult &p, const experts::ExpertStats &before, const experts::ExpertStats &after) {
    p.lookups = after.lookups - before.lookups;
    p.hits = after.hits - before.hits;
    p.prefetch_hits = after.prefetch_hits - before.prefetch_hits;
    p.bytes_read = after.bytes_read - before.bytes_read;
    p.io_wait_seconds = after.io_wait_seconds - before.io_wait_seconds;
}

double mean_distinct(const std::vector<std::set<int32_t>> &per_layer) {
    double sum = 0;
    for (const auto &s : per_layer) sum += (double)s.size();
    return per_layer.empty() ? 0 : sum / per_layer.size();
}

void collect(std::vector<std::set<int32_t>> &per_layer, const session::RoutingTrace &trace) {
    per_layer.resize(trace.ids.size());
    for (size_t il = 0; il < trace.ids.size(); ++il)
        for (const auto &token : trace.ids[il]) per_layer[il].insert(token.begin(), token.end());
}

}  // namespace

void drop_page_cache(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fdatasync(fd);
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
}

void warm_page_cache(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    std::vector<char> buf(8u << 20);
    for (off_t at = 0;;) {
        const ssize_t r = ::pread(fd, buf.data(), buf.size(), at);
        if (r <= 0) break;
        at += r;
    }
    ::close(fd);
}

StatusOr<RunResult> run_once(const RunConfig &config) {
    RunResult r;
    session::ContextOptions opts;
    opts.n_ctx = config.n_ctx;
    opts.expert_cache_percent = config.budget_percent;
    opts.io_threads = config.io_threads;
    opts.expert_direct_io = config.cold && config.direct_io;
    if (config.cold) drop_page_cache(config.model_path);
    opts.gpu_profile = config.profile;
    opts.gpu_replay_decode = config.replay_decode;
    opts.gpu_kernel_tuning = config.tuning;
    const auto t_open = Clock::now();
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<session::Context> ctx, session::Context::open(config.model_path, opts));
    r.open_seconds = since(t_open);
    r.cache_bytes = ctx->gpu().expert_cache_bytes();
    r.streamed = ctx->gpu().experts_streamed();
    r.device_name = ctx->device_name();
    if (config.cold) drop_page_cache(config.model_path);  // the open read the dense weights (and maybe experts)

    const uint32_t n_vocab = ctx->hparams().n_vocab;
    const std::vector<int32_t> prompt = random_tokens(config.n_prompt, n_vocab, 1234);
    const std::vector<int32_t> decode = random_tokens(config.n_decode, n_vocab, 5678);

    // Warm-up, untimed: a context creates each kernel's pipeline at its first use (hundreds of ms on a GPU
    // without a shader disk cache), so one 32-token eval (the prompt kernels) and one decode step run first;
    // their wall time is reported apart. Other tokens than the timed prompt's, and the context is cleared.
    if (config.warmup) {
        const std::vector<int32_t> warm = random_tokens(33, n_vocab, 4321);
        const auto tw = Clock::now();
        MOEVK_RETURN_IF_ERROR(ctx->eval(warm.data(), 32, 0, nullptr));
        MOEVK_RETURN_IF_ERROR(ctx->eval(&warm[32], 1, 32, nullptr));
        r.warmup_seconds = since(tw);
        ctx->clear();
        (void)ctx->gpu().take_kernel_profile();
    }

    session::RoutingTrace trace;
    std::vector<std::set<int32_t>> used;
    experts::ExpertStats s0 = ctx->stats().experts;
    auto t0 = Clock::now();
    MOEVK_RETURN_IF_ERROR(ctx->eval(prompt.data(), (int32_t)prompt.size(), 0, nullptr, nullptr, &trace));
    r.prefill.seconds = since(t0);
    r.prefill.n_tokens = config.n_prompt;
    experts::ExpertStats s1 = ctx->stats().experts;
    add_stats(r.prefill, s0, s1);
    collect(used, trace);
    r.prefill.distinct_per_layer = mean_distinct(used);
    r.prefill_profile = ctx->gpu().take_kernel_profile();

    used.clear();
    std::vector<float> logits(n_vocab);  // a decode step includes the LM head, as a generating caller's does
    for (uint32_t i = 0; i < config.n_decode; ++i) {
        t0 = Clock::now();
        MOEVK_RETURN_IF_ERROR(ctx->eval(&decode[i], 1, (int32_t)(config.n_prompt + i), logits.data(), nullptr, &trace));
        r.decode.seconds += since(t0);  // includes copying the routing trace out (a few hundred KiB)
        collect(used, trace);
    }
    r.decode.n_tokens = config.n_decode;
    add_stats(r.decode, s1, ctx->stats().experts);
    r.decode.distinct_per_layer = mean_distinct(used);
    r.decode_profile = ctx->gpu().take_kernel_profile();
    return r;
}

}  // namespace moevk::bench
