// bench_run.h — one measurement of the bench: open a context at one expert budget and read mode, time a
// prefill of a fixed random prompt and single-token decode of a fixed random sequence (not greedy output,
// whose routing repeats itself), and collect the expert statistics and routing of each phase.
// It prints nothing and writes no file (main.cpp and perf_doc.cpp do).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "session/gpu_kernel_tuning.h"
#include "vulkan/timestamps.h"

namespace moevk::bench {

struct RunConfig {
    std::string model_path;
    int32_t budget_percent = 100;   // of all expert bytes; 100: every expert resident
    bool cold = false;              // page cache dropped before the run, O_DIRECT reads
    bool direct_io = false;         // with cold: O_DIRECT expert reads (else only the page cache was dropped)
    uint32_t n_prompt = 64, n_decode = 16;
    uint32_t n_ctx = 1024;
    uint32_t io_threads = 0;
    bool profile = false;           // GPU time per kernel (timestamps after every dispatch)
    bool replay_decode = true;      // false (--no-replay): re-record every decode step, to measure that cost
    bool warmup = true;             // false (--no-warmup): pipeline creation lands in the timed prefill
    session::GpuKernelTuning tuning;  // --attention per-head|split, --moe-pair-tile N: A/B of kernel choices
};

// What one phase (prefill or decode) measured.
struct PhaseResult {
    double seconds = 0;
    uint32_t n_tokens = 0;
    uint64_t lookups = 0, hits = 0, prefetch_hits = 0, bytes_read = 0;
    double io_wait_seconds = 0;
    double distinct_per_layer = 0;  // distinct experts a layer used in the phase, averaged over layers
    double tokens_per_second() const { return seconds > 0 ? n_tokens / seconds : 0; }
    double hit_rate() const { return lookups ? (double)hits / (double)lookups : 1.0; }
    double bytes_per_token() const { return n_tokens ? (double)bytes_read / n_tokens : 0; }
};

struct RunResult {
    double open_seconds = 0;
    double warmup_seconds = 0;  // the untimed warm-up evals (pipeline creation included)
    uint64_t cache_bytes = 0;  // expert budget in use
    bool streamed = false;
    std::string device_name;
    PhaseResult prefill, decode;
    vulkan::KernelProfile prefill_profile, decode_profile;  // with RunConfig::profile
};

StatusOr<RunResult> run_once(const RunConfig &config);

// Drops the file's pages from the page cache (posix_fadvise DONTNEED; no effect on tmpfs).
void drop_page_cache(const std::string &path);
// Reads the whole file once so that its pages are in the page cache.
void warm_page_cache(const std::string &path);

}  // namespace moevk::bench
