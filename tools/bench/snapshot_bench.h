// snapshot_bench.h — the bench's session-snapshot measurement: evaluate an n-token prompt, save the session
// (size, compression ratio against the raw K/V + tokens + logits, save MB/s), load it into a fresh context
// (load MB/s), and compare resuming from the snapshot with re-evaluating the prompt. Prints nothing.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace moevk::bench {

struct SnapshotResult {
    uint32_t n_tokens = 0;
    std::string kv_type;
    uint64_t raw_bytes = 0, snapshot_bytes = 0;   // uncompressed payload vs the encoded snapshot
    double eval_seconds = 0;                      // re-evaluating the prompt (one eval_prompt call)
    double save_seconds = 0, load_seconds = 0;    // moevk_state_save (size query + copy), moevk_state_load
    bool resumed_bit_exact = false;               // logits after load == logits after the prompt
    double ratio() const { return snapshot_bytes ? (double)raw_bytes / (double)snapshot_bytes : 0; }
    double save_mb_per_s() const { return save_seconds > 0 ? raw_bytes / 1e6 / save_seconds : 0; }
    double load_mb_per_s() const { return load_seconds > 0 ? raw_bytes / 1e6 / load_seconds : 0; }
};

// kv_type "f16", "f32" or "q8_0"; compression_level as state_compression_level (0: the default).
StatusOr<SnapshotResult> run_snapshot(const std::string &model_path, uint32_t n_tokens, const std::string &kv_type,
                                      int64_t compression_level);
std::string describe(const SnapshotResult &r);  // one line for the report's notes

}  // namespace moevk::bench
