// params.h — the opaque moevk_params object: ContextOptions filled key by key, each value checked when set.
#pragma once

#include <string>

#include "core/status.h"
#include "session/options.h"

struct moevk_params {
    moevk::session::ContextOptions options;
};

namespace moevk::api {

Status params_set_i64(moevk_params &p, const std::string &key, int64_t value);
Status params_set_str(moevk_params &p, const std::string &key, const std::string &value);
// Parses a whole decimal integer (optional sign); false for anything else.
bool parse_i64(const std::string &text, int64_t *out);

}  // namespace moevk::api
