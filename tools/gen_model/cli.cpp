// cli.cpp — flag parsing for moevk-gen-model. Numbers must parse completely ("12x" is an error); the
// preset is applied first and overrides after it, whatever their order on the command line.
#include "cli.h"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <vector>

namespace moevk::gen {

namespace {

bool parse_u64(const std::string &s, uint64_t *out) {
    if (s.empty() || s[0] == '-' || s[0] == '+') return false;
    errno = 0;
    char *end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (errno != 0 || end == s.c_str() || *end != '\0') return false;
    *out = v;
    return true;
}

}  // namespace

std::string usage_text() {
    return "usage: moevk-gen-model --out PATH [options]\n"
           "Writes a qwen3moe, qwen3next or qwen35moe GGUF model with seeded random weights.\n"
           "  --arch qwen3moe|qwen3next|qwen35moe  architecture (default qwen3moe, or the preset's)\n"
           "  --preset tiny|qwen3-30b-a3b|qwen3.6-35b-a3b  model shape (default tiny)\n"
           "  --type f32|f16|bf16|q8_0|q4_0|q4_k|q5_k|q6_k  type of every matrix (default q4_0); norms and\n"
           "                                router stay f32. K-quants need rows of whole 256-value super-blocks\n"
           "  --type q4_k_m                 llama.cpp's Q4_K_M mix: Q4_K, with output and some attn_v / ffn_down\n"
           "                                Q6_K (tools/gen_model/weight_types.h); other rows fall back to Q8_0\n"
           "  --seed N                      weight seed (default 0); same seed, same bytes\n"
           "  --out PATH                    output file (written to PATH.tmp.<pid>, then renamed)\n"
           "  --threads N                   generator threads (default: all cores)\n"
           "  --tie-output                  omit output.weight (tied to token_embd)\n"
           "  overrides: --n-embd --n-layer --n-head --n-head-kv --head-dim --n-expert --n-expert-used\n"
           "             --n-ff-exp --n-vocab --n-ctx (each N)\n"
           "  --help                        this text\n";
}

std::string parse_args(int argc, char **argv, GenOptions *out) {
    std::string preset = "tiny", arch;
    std::vector<std::pair<std::string, uint64_t>> overrides;
    bool tie_output = false;
    const std::map<std::string, uint32_t ModelSpec::*> kOverrides = {
        {"--n-embd", &ModelSpec::n_embd},       {"--n-layer", &ModelSpec::n_layer},
        {"--n-head", &ModelSpec::n_head},       {"--n-head-kv", &ModelSpec::n_head_kv},
        {"--head-dim", &ModelSpec::head_dim},   {"--n-expert", &ModelSpec::n_expert},
        {"--n-expert-used", &ModelSpec::n_expert_used}, {"--n-ff-exp", &ModelSpec::n_ff_exp},
        {"--n-vocab", &ModelSpec::n_vocab},     {"--n-ctx", &ModelSpec::n_ctx}};

    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i], value;
        const size_t eq = flag.find('=');
        const bool inline_value = flag.rfind("--", 0) == 0 && eq != std::string::npos;
        if (inline_value) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        }
        if (flag == "--help" || flag == "-h") { out->help = true; return ""; }
        if (flag == "--tie-output") { tie_output = true; continue; }
        const bool known = flag == "--preset" || flag == "--arch" || flag == "--type" || flag == "--seed" || flag == "--out" ||
                           flag == "--threads" || kOverrides.count(flag) != 0;
        if (!known) return "unknown argument '" + flag + "'";
        if (!inline_value) {
            if (i + 1 >= argc) return flag + " needs a value";
            value = argv[++i];
        }
        uint64_t n = 0;
        if (flag == "--preset") {
            preset = value;
        } else if (flag == "--arch") {
            if (value != "qwen3moe" && value != "qwen3next" && value != "qwen35moe")
                return "--arch '" + value + "' is not one of qwen3moe, qwen3next, qwen35moe";
            arch = value;
        } else if (flag == "--type") {
            const std::optional<WeightTypes> types = parse_weight_types(value);
            if (!types) return "--type '" + value + "' is not one of f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, q4_k_m";
            out->types = *types;
        } else if (flag == "--out") {
            if (value.empty()) return "--out needs a non-empty path";
            out->out_path = value;
        } else if (!parse_u64(value, &n)) {
            return flag + " '" + value + "' is not a non-negative integer";
        } else if (flag == "--seed") {
            out->seed = n;
        } else if (flag == "--threads") {
            if (n == 0 || n > 1024) return "--threads must be in [1, 1024]";
            out->n_threads = (unsigned)n;
        } else {
            if (n > UINT32_MAX) return flag + " " + value + " is too large";
            overrides.emplace_back(flag, n);
        }
    }
    const std::string implied = preset_arch(preset);
    if (arch.empty()) arch = implied.empty() ? "qwen3moe" : implied;
    if (!implied.empty() && implied != arch) return "--preset '" + preset + "' is a " + implied + " model, not " + arch;
    std::optional<ModelSpec> spec = preset_spec(preset, arch);
    if (!spec) return "--preset '" + preset + "' is not one of tiny, qwen3-30b-a3b, qwen3.6-35b-a3b";
    for (const auto &[flag, n] : overrides) (*spec).*kOverrides.at(flag) = (uint32_t)n;
    spec->tie_output = tie_output;
    if (out->out_path.empty()) return "--out PATH is required";
    const std::string problem = validate_spec(*spec, out->types);
    if (!problem.empty()) return problem;
    out->spec = *spec;
    return "";
}

}  // namespace moevk::gen
