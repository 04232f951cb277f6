// options.h — everything a context is configured with: fixed at open (n_ctx, device, kv_type, expert
// budget) or changeable while it lives (checkpoint and snapshot settings). Parsed from moevk_params by
// lib/api; validated there, so the session trusts the values.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "session/gpu_forward.h"

namespace moevk::session {

struct RuntimeSettings {
    int64_t checkpoint_interval = 0;        // tokens between automatic checkpoints (0: only at prompt end)
    int64_t max_checkpoints = 8;
    int64_t checkpoint_bytes = -1;          // -1: automatic (checkpoint_byte_limit)
    int64_t max_replay_tokens = 512;
    int64_t state_compression_level = 1;    // zstd level; low favours speed
    int64_t state_save_checkpoints = 0;     // 1: snapshots carry the checkpoints (docs/state-format.md)
};

struct ContextOptions {
    int64_t n_ctx = 0;                      // 0: min(model context_length, kDefaultMaxCtx)
    KvType kv_type = KvType::kF16;
    int64_t device_index = -1;              // >= 0: device by enumeration index
    std::string device_name;                // else: first device whose name contains this
    int64_t expert_cache_bytes = -1;        // -1: automatic
    int32_t expert_cache_percent = -1;      // 1..100 when given as "N%"
    int64_t io_threads = 0;                 // 0: automatic
    bool expert_direct_io = false;          // read experts with O_DIRECT ("expert_direct_io" 0/1)
    RuntimeSettings runtime;
    bool gpu_profile = false;        // internal (moevk-bench): see GpuForwardOptions::profile
    bool gpu_replay_decode = true;   // internal (moevk-bench): see GpuForwardOptions::replay_decode
    GpuKernelTuning gpu_kernel_tuning;  // internal (moevk-bench): see GpuForwardOptions::kernel_tuning
};

constexpr int64_t kDefaultMaxCtx = 4096;

// Sets one runtime setting by key, checking its range (used by moevk_params and moevk_ctx_set_*).
// Unknown key or value out of range: kInvalidArg naming both.
Status apply_runtime_setting(RuntimeSettings &settings, const std::string &key, int64_t value);
bool is_runtime_setting(const std::string &key);

constexpr int64_t kMinAutomaticCheckpointBytes = 256ll << 20;

// The checkpoints' byte limit: checkpoint_bytes when set, else automatic: room for max_checkpoints
// checkpoints of this model's recurrent state (state_bytes each), and never less than 256 MiB. A fixed
// 256 MiB held only ~3 checkpoints of the Qwen3.6-35B-A3B shape (~66 MB of state each).
int64_t checkpoint_byte_limit(const RuntimeSettings &settings, uint64_t state_bytes);

}  // namespace moevk::session
