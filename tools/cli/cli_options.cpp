// cli_options.cpp — argument parsing for the moevk CLI: "--name value" and "--name=value" forms, numbers
// checked in full (no atoi silently reading "12abc" as 12).
#include "cli_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace moevk::cli {

namespace {

bool parse_i64(const std::string &s, int64_t lo, int64_t hi, int64_t *out) {
    if (s.empty()) return false;
    errno = 0;
    char *end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
    *out = v;
    return true;
}

bool parse_f64(const std::string &s, double *out) {
    if (s.empty()) return false;
    errno = 0;
    char *end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
    *out = v;
    return true;
}

}  // namespace

const char *usage() {
    return "Usage: moevk run -m MODEL.gguf [-p TEXT] [options]\n"
           "       moevk --help\n"
           "\n"
           "Generates text with a GGUF model: the prompt is tokenized with the model's own tokenizer, evaluated\n"
           "(progress on stderr), then tokens are sampled and printed to stdout as they are produced. Statistics\n"
           "(prompt and decode tok/s, expert cache) follow on stderr.\n"
           "\n"
           "Options:\n"
           "  -m, --model FILE        GGUF model (required)\n"
           "  -p, --prompt TEXT       prompt text (UTF-8); may be empty with --load-state\n"
           "  -n, --n-predict N       tokens to generate (default 128; 0: only evaluate the prompt)\n"
           "  -c, --ctx-size N        context length (default: the library's, min(model, 4096))\n"
           "  -b, --batch N           prompt tokens per evaluation call (default 64)\n"
           "      --special           parse control tokens such as <|im_start|> in the prompt\n"
           "      --ignore-eos        keep generating after the end-of-generation token\n"
           "      --temp T            temperature (default 0.8; 0: greedy)\n"
           "      --top-k N           keep the N most likely tokens (default 40; 0: off)\n"
           "      --top-p P           nucleus sampling (default 0.95; 1: off)\n"
           "      --min-p P           drop tokens below P times the most likely (default 0.05; 0: off)\n"
           "      --repeat-penalty R  penalise the last --repeat-last-n tokens (default 1.0: off)\n"
           "      --repeat-last-n N   (default 64)\n"
           "      --seed S            sampler seed (default 0); the same seed gives the same text\n"
           "      --save-state FILE   after generating, save the session (prompt and output) to FILE\n"
           "      --load-state FILE   continue the session saved in FILE (the prompt is appended to it)\n"
           "      --json              print one JSON object (text, token counts, statistics) on stdout\n"
           "                          instead of streaming the text\n"
           "      --expert-cache SIZE expert cache budget in bytes or as \"25%\" of all expert bytes (default:\n"
           "                          all experts, when they fit)\n"
           "      --device D          Vulkan device index or name substring (default: $MOEVK_DEVICE, else\n"
           "                          the library's choice)\n"
           "  -h, --help              this text\n";
}

std::string parse_options(int argc, char **argv, Options *o) {
    int i = 1;
    if (i < argc && (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0)) {
        o->help = true;
        return "";
    }
    if (i >= argc || std::strcmp(argv[i], "run") != 0) return "expected the command 'run' (see moevk --help)";
    ++i;
    for (; i < argc; ++i) {
        std::string arg = argv[i], value;
        bool has_inline = false;
        if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
            value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
            has_inline = true;
        }
        auto next = [&](std::string *v) -> bool {
            if (has_inline) return *v = value, true;
            if (i + 1 >= argc) return false;
            *v = argv[++i];
            return true;
        };
        auto bad = [&](const std::string &what) { return "option " + arg + ": " + what; };
        std::string v;
        int64_t n = 0;
        if (arg == "-h" || arg == "--help") {
            o->help = true;
        } else if (arg == "--special") {
            o->parse_special = true;
        } else if (arg == "--ignore-eos") {
            o->stop_at_eos = false;
        } else if (arg == "--json") {
            o->json = true;
        } else if (!next(&v)) {
            return arg.rfind("-", 0) == 0 ? bad("unknown option or missing value") : "unexpected argument '" + arg + "'";
        } else if (arg == "-m" || arg == "--model") {
            o->model_path = v;
        } else if (arg == "-p" || arg == "--prompt") {
            o->prompt = v, o->prompt_given = true;
        } else if (arg == "-n" || arg == "--n-predict") {
            if (!parse_i64(v, 0, INT32_MAX, &n)) return bad("expected an integer >= 0, got '" + v + "'");
            o->n_predict = (int32_t)n;
        } else if (arg == "-c" || arg == "--ctx-size") {
            if (!parse_i64(v, 1, INT32_MAX, &n)) return bad("expected an integer >= 1, got '" + v + "'");
            o->n_ctx = (int32_t)n;
        } else if (arg == "-b" || arg == "--batch") {
            if (!parse_i64(v, 1, INT32_MAX, &n)) return bad("expected an integer >= 1, got '" + v + "'");
            o->batch = (int32_t)n;
        } else if (arg == "--top-k") {
            if (!parse_i64(v, 0, INT32_MAX, &n)) return bad("expected an integer >= 0, got '" + v + "'");
            o->top_k = (int32_t)n;
        } else if (arg == "--repeat-last-n") {
            if (!parse_i64(v, 0, 1 << 20, &n)) return bad("expected an integer in [0, 1048576], got '" + v + "'");
            o->repeat_last_n = (int32_t)n;
        } else if (arg == "--seed") {
            errno = 0;
            char *end = nullptr;
            const unsigned long long s = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || v[0] == '-' || errno != 0 || *end != '\0') return bad("expected an integer >= 0");
            o->seed = s;
        } else if (arg == "--temp" || arg == "--top-p" || arg == "--min-p" || arg == "--repeat-penalty") {
            double d = 0;
            if (!parse_f64(v, &d)) return bad("expected a number, got '" + v + "'");
            (arg == "--temp" ? o->temp : arg == "--top-p" ? o->top_p : arg == "--min-p" ? o->min_p : o->repeat_penalty) = d;
        } else if (arg == "--save-state") {
            o->save_state = v;
        } else if (arg == "--load-state") {
            o->load_state = v;
        } else if (arg == "--device") {
            o->device = v;
        } else if (arg == "--expert-cache") {
            o->expert_cache = v;
        } else {
            return bad("unknown option");
        }
    }
    if (o->help) return "";
    if (o->model_path.empty()) return "missing -m MODEL.gguf";
    if (!o->prompt_given && o->load_state.empty()) return "missing -p TEXT (or --load-state FILE to continue a session)";
    return "";
}

}  // namespace moevk::cli
