// cli.h — command line of moevk-gen-model: parses flags into a GenOptions or an error message.
// Exit codes are main()'s business: 2 for bad arguments, 1 for failures while writing.
#pragma once

#include <cstdint>
#include <string>

#include "model_spec.h"
#include "weight_types.h"

namespace moevk::gen {

struct GenOptions {
    ModelSpec spec;
    WeightTypes types;  // --type
    uint64_t seed = 0;
    std::string out_path;
    unsigned n_threads = 0;  // 0: hardware concurrency
    bool help = false;
};

// Fills *out, or returns the reason the arguments are unusable.
std::string parse_args(int argc, char **argv, GenOptions *out);
std::string usage_text();

}  // namespace moevk::gen
