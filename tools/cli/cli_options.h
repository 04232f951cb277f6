// cli_options.h — the command line of the moevk CLI: "moevk run -m MODEL -p TEXT [options]". Parsing only;
// it opens nothing. Errors come back as a message, never exit() from here.
#pragma once

#include <cstdint>
#include <string>

namespace moevk::cli {

struct Options {
    bool help = false;
    std::string model_path;
    std::string prompt;
    bool prompt_given = false;
    int32_t n_predict = 128;
    int32_t n_ctx = 0;          // 0: the library's default
    int32_t batch = 64;         // prompt tokens per evaluation call (progress is shown between calls)
    bool parse_special = false; // --special: control tokens in the prompt ("<|im_start|>") become their ids
    bool stop_at_eos = true;
    double temp = 0.8, top_p = 0.95, min_p = 0.05, repeat_penalty = 1.0;
    int32_t top_k = 40, repeat_last_n = 64;
    uint64_t seed = 0;
    std::string save_state, load_state;
    bool json = false;
    std::string device;         // --device, else MOEVK_DEVICE (the library itself reads no environment)
    std::string expert_cache;   // --expert-cache: bytes or "25%" (parameter expert_cache_bytes); "" = default
};

// Parses argv (argv[0] is the program). Returns "" on success or the message for a usage error.
std::string parse_options(int argc, char **argv, Options *out);
// The --help text.
const char *usage();

}  // namespace moevk::cli
