// model_spec.cpp — presets and validation of generated model shapes.
#include "model_spec.h"

namespace moevk::gen {

std::optional<ModelSpec> preset_spec(const std::string &preset) {
    ModelSpec s;
    if (preset == "tiny") {
        s.name = "moevk-tiny-qwen3moe";
        s.n_embd = 128; s.n_layer = 2; s.n_head = 4; s.n_head_kv = 2; s.head_dim = 32;
        s.n_expert = 16; s.n_expert_used = 4; s.n_ff_exp = 64; s.n_vocab = 512; s.n_ctx = 512;
        return s;
    }
    if (preset == "qwen3-30b-a3b") {
        // Shape of Qwen/Qwen3-30B-A3B (config.json); weights are random.
        s.name = "moevk-random-qwen3-30b-a3b";
        s.n_embd = 2048; s.n_layer = 48; s.n_head = 32; s.n_head_kv = 4; s.head_dim = 128;
        s.n_expert = 128; s.n_expert_used = 8; s.n_ff_exp = 768; s.n_vocab = 151936; s.n_ctx = 40960;
        return s;
    }
    return std::nullopt;
}

std::string validate_spec(const ModelSpec &s, model::GgmlType type) {
    struct Field { const char *flag; uint32_t value; };
    const Field fields[] = {{"--n-embd", s.n_embd},   {"--n-layer", s.n_layer},       {"--n-head", s.n_head},
                            {"--n-head-kv", s.n_head_kv}, {"--head-dim", s.head_dim}, {"--n-expert", s.n_expert},
                            {"--n-expert-used", s.n_expert_used}, {"--n-ff-exp", s.n_ff_exp},
                            {"--n-vocab", s.n_vocab}, {"--n-ctx", s.n_ctx}};
    for (const Field &f : fields) {
        if (f.value == 0) return std::string(f.flag) + " must be at least 1";
        if (f.value > (1u << 24)) return std::string(f.flag) + " must be at most 2^24";
    }
    if (s.n_head % s.n_head_kv != 0) return "--n-head must be a multiple of --n-head-kv";
    if (s.head_dim % 2 != 0) return "--head-dim must be even (RoPE rotates pairs)";
    if (s.n_expert_used > s.n_expert) return "--n-expert-used must not exceed --n-expert";
    if (s.n_vocab < 8) return "--n-vocab must be at least 8 (byte tokens and special tokens)";
    if (s.n_vocab > (1u << 30)) return "--n-vocab is too large";
    // Quantised rows are whole blocks: every matrix's ne[0] must be a multiple of the block size.
    const uint32_t block = model::block_elements(type);
    struct Dim { const char *flag; uint64_t value; };
    const Dim row_dims[] = {{"--n-embd", s.n_embd}, {"--n-ff-exp", s.n_ff_exp},
                            {"--n-head * --head-dim", (uint64_t)s.n_head * s.head_dim}};
    for (const Dim &f : row_dims) {
        if (f.value % block != 0) {
            return std::string(f.flag) + " (" + std::to_string(f.value) + ") must be a multiple of " +
                   std::to_string(block) + " for type " + model::type_name((uint32_t)type);
        }
    }
    return "";
}

uint32_t file_type_for(model::GgmlType type) {
    switch (type) {
        case model::GgmlType::kF32: return 0;   // LLAMA_FTYPE_ALL_F32
        case model::GgmlType::kF16: return 1;   // LLAMA_FTYPE_MOSTLY_F16
        case model::GgmlType::kQ4_0: return 2;  // LLAMA_FTYPE_MOSTLY_Q4_0
        case model::GgmlType::kQ8_0: return 7;  // LLAMA_FTYPE_MOSTLY_Q8_0
        case model::GgmlType::kBF16: return 32; // LLAMA_FTYPE_MOSTLY_BF16
    }
    return 0;
}

}  // namespace moevk::gen
