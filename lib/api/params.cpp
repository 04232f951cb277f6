// params.cpp — parsing and range checks of moevk_params keys. Open-time keys live here; runtime keys
// (checkpoints, compression) are shared with moevk_ctx_set_* through session/options.cpp.
#include "api/params.h"

#include <cerrno>
#include <cstdlib>

namespace moevk::api {

bool parse_i64(const std::string &text, int64_t *out) {
    if (text.empty() || text.size() > 20) return false;
    errno = 0;
    char *end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || end != text.c_str() + text.size()) return false;
    *out = v;
    return true;
}

Status params_set_i64(moevk_params &p, const std::string &key, int64_t value) {
    session::ContextOptions &o = p.options;
    auto range = [&](int64_t lo, int64_t hi) -> Status {
        if (value < lo || value > hi)
            return invalid_arg(key + " " + std::to_string(value) + " out of range [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "]");
        return Status::ok();
    };
    if (key == "n_ctx") {
        MOEVK_RETURN_IF_ERROR(range(0, INT32_MAX));  // 0: default
        o.n_ctx = value;
    } else if (key == "device") {
        MOEVK_RETURN_IF_ERROR(range(0, 1 << 16));
        o.device_index = value;
        o.device_name.clear();
    } else if (key == "expert_cache_bytes") {
        MOEVK_RETURN_IF_ERROR(range(0, INT64_MAX));
        o.expert_cache_bytes = value;
        o.expert_cache_percent = -1;
    } else if (key == "expert_direct_io") {
        MOEVK_RETURN_IF_ERROR(range(0, 1));  // 1: O_DIRECT expert reads
        o.expert_direct_io = value != 0;
    } else if (key == "io_threads") {
        MOEVK_RETURN_IF_ERROR(range(0, 256));  // 0: automatic
        o.io_threads = value;
    } else if (key == "kv_type") {
        return invalid_arg("kv_type is a string: \"f16\", \"f32\" or \"q8_0\"");
    } else if (session::is_runtime_setting(key)) {
        return session::apply_runtime_setting(o.runtime, key, value);
    } else {
        return invalid_arg("unknown parameter '" + key + "'");
    }
    return Status::ok();
}

Status params_set_str(moevk_params &p, const std::string &key, const std::string &value) {
    session::ContextOptions &o = p.options;
    if (key == "kv_type") {
        if (value == "f16") o.kv_type = session::KvType::kF16;
        else if (value == "f32") o.kv_type = session::KvType::kF32;
        else if (value == "q8_0") o.kv_type = session::KvType::kQ8_0;
        else return invalid_arg("kv_type '" + value + "': expected \"f16\", \"f32\" or \"q8_0\"");
        return Status::ok();
    }
    if (key == "device") {
        int64_t index;
        if (parse_i64(value, &index)) return params_set_i64(p, key, index);
        if (value.empty()) return invalid_arg("device: empty name");
        o.device_name = value;
        o.device_index = -1;
        return Status::ok();
    }
    if (key == "expert_cache_bytes" && !value.empty() && value.back() == '%') {
        int64_t percent;
        if (!parse_i64(value.substr(0, value.size() - 1), &percent) || percent < 1 || percent > 100)
            return invalid_arg("expert_cache_bytes '" + value + "': a percentage must be 1% to 100%");
        o.expert_cache_percent = (int32_t)percent;
        o.expert_cache_bytes = -1;
        return Status::ok();
    }
    int64_t number;
    if (!parse_i64(value, &number)) {
        if (key != "n_ctx" && key != "expert_cache_bytes" && key != "io_threads" && key != "expert_direct_io" && !session::is_runtime_setting(key))
            return invalid_arg("unknown parameter '" + key + "'");
        return invalid_arg(key + " '" + value + "' is not an integer");
    }
    return params_set_i64(p, key, number);
}

}  // namespace moevk::api
