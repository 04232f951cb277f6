// options.cpp — ranges of the runtime settings, shared by moevk_params_set_* and moevk_ctx_set_*.
#include "session/options.h"

#include <algorithm>
#include <climits>

namespace moevk::session {

namespace {

struct RuntimeKey {
    const char *name;
    int64_t RuntimeSettings::*field;
    int64_t min, max;
};

constexpr RuntimeKey kRuntimeKeys[] = {
    {"checkpoint_interval", &RuntimeSettings::checkpoint_interval, 0, INT32_MAX},
    {"max_checkpoints", &RuntimeSettings::max_checkpoints, 1, 4096},
    {"checkpoint_bytes", &RuntimeSettings::checkpoint_bytes, -1, INT64_MAX},  // -1: automatic
    {"max_replay_tokens", &RuntimeSettings::max_replay_tokens, 0, INT32_MAX},
    {"state_compression_level", &RuntimeSettings::state_compression_level, 1, 22},
    {"state_save_checkpoints", &RuntimeSettings::state_save_checkpoints, 0, 1},
};

const RuntimeKey *find_key(const std::string &key) {
    for (const RuntimeKey &k : kRuntimeKeys)
        if (key == k.name) return &k;
    return nullptr;
}

}  // namespace

bool is_runtime_setting(const std::string &key) { return find_key(key) != nullptr; }

Status apply_runtime_setting(RuntimeSettings &settings, const std::string &key, int64_t value) {
    const RuntimeKey *k = find_key(key);
    if (!k) return invalid_arg("'" + key + "' is not a runtime setting (fixed at open, or unknown)");
    if (value < k->min || value > k->max)
        return invalid_arg(key + " " + std::to_string(value) + " out of range [" + std::to_string(k->min) + ", " +
                           std::to_string(k->max) + "]");
    settings.*(k->field) = value;
    return Status::ok();
}

int64_t checkpoint_byte_limit(const RuntimeSettings &settings, uint64_t state_bytes) {
    if (settings.checkpoint_bytes >= 0) return settings.checkpoint_bytes;
    // max_checkpoints <= 4096 (2^12): the product fits in int64 unless one state passes 2^51 bytes
    if (state_bytes > ((uint64_t)INT64_MAX >> 12)) return INT64_MAX;
    const int64_t room = settings.max_checkpoints * (int64_t)state_bytes;
    return std::max(kMinAutomaticCheckpointBytes, room);
}

}  // namespace moevk::session
