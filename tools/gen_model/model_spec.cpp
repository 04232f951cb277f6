// model_spec.cpp — presets and validation of generated model shapes.
#include "model_spec.h"

namespace moevk::gen {

namespace {

// 4 layers: 3 GatedDeltaNet + 1 gated attention; 2 key heads for 4 value heads, so the two architectures'
// value-to-key head mappings differ; partial RoPE (8 of 32 dims); a shared expert.
ModelSpec tiny_hybrid(const std::string &arch) {
    ModelSpec s;
    s.arch = arch;
    s.name = "moevk-tiny-" + arch;
    s.n_embd = 128; s.n_layer = 4; s.n_head = 4; s.n_head_kv = 2; s.head_dim = 32; s.n_rot = 8;
    s.n_expert = 16; s.n_expert_used = 4; s.n_ff_exp = 64; s.n_ff_shexp = 64; s.n_vocab = 512; s.n_ctx = 512;
    s.full_attn_interval = 4; s.ssm_d_conv = 4; s.ssm_n_k_heads = 2; s.ssm_n_v_heads = 4; s.ssm_head_dim = 32;
    s.rope_freq_base = 1e7f;
    return s;
}

}  // namespace

std::string preset_arch(const std::string &preset) {
    if (preset == "qwen3-30b-a3b") return "qwen3moe";
    if (preset == "qwen3.6-35b-a3b") return "qwen35moe";
    return "";
}

std::optional<ModelSpec> preset_spec(const std::string &preset, const std::string &arch) {
    ModelSpec s;
    if (arch != "qwen3moe") {
        if (arch != "qwen3next" && arch != "qwen35moe") return std::nullopt;
        if (preset == "tiny") return tiny_hybrid(arch);
        if (preset == "qwen3.6-35b-a3b" && arch == "qwen35moe") {
            // Shape of Qwen/Qwen3.6-35B-A3B (config.json as llama.cpp's converter reads it); weights are random.
            s = tiny_hybrid(arch);
            s.name = "moevk-random-qwen3.6-35b-a3b";
            s.n_embd = 2048; s.n_layer = 40; s.n_head = 16; s.n_head_kv = 2; s.head_dim = 256;
            s.n_rot = 64;  // head_dim * partial_rotary_factor 0.25
            s.n_expert = 256; s.n_expert_used = 8; s.n_ff_exp = 512; s.n_ff_shexp = 512;
            s.n_vocab = 248320; s.n_ctx = 262144;
            s.full_attn_interval = 4; s.ssm_d_conv = 4; s.ssm_n_k_heads = 16; s.ssm_n_v_heads = 32;
            s.ssm_head_dim = 128; s.rope_freq_base = 1e7f;
            return s;
        }
        return std::nullopt;
    }
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

std::string validate_spec(const ModelSpec &s, const WeightTypes &types) {
    const model::GgmlType type = types.q4_k_m ? model::GgmlType::kQ8_0 : types.base;
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
    if (s.is_hybrid()) {
        const Field hybrid[] = {{"rope dims", s.n_rot}, {"full attention interval", s.full_attn_interval},
                                {"shared expert width", s.n_ff_shexp}, {"conv kernel", s.ssm_d_conv},
                                {"key heads", s.ssm_n_k_heads}, {"value heads", s.ssm_n_v_heads},
                                {"ssm head dim", s.ssm_head_dim}};
        for (const Field &f : hybrid)
            if (f.value == 0 || f.value > (1u << 16)) return std::string(f.flag) + " must be in [1, 2^16]";
        if (s.n_rot % 2 != 0 || s.n_rot > s.head_dim) return "rope dims must be even and at most --head-dim";
        if (s.ssm_n_v_heads % s.ssm_n_k_heads != 0) return "value heads must be a multiple of key heads";
        if (s.ssm_d_conv > 64) return "conv kernel must be at most 64";
    }
    if (s.head_dim % 2 != 0) return "--head-dim must be even (RoPE rotates pairs)";
    if (s.n_expert_used > s.n_expert) return "--n-expert-used must not exceed --n-expert";
    if (s.n_vocab < 8) return "--n-vocab must be at least 8 (byte tokens and special tokens)";
    if (s.n_vocab > (1u << 30)) return "--n-vocab is too large";
    // Quantised rows are whole blocks: every matrix's ne[0] must be a multiple of the block size.
    const uint32_t block = model::block_elements(type);
    struct Dim { const char *flag; uint64_t value; };
    const Dim row_dims[] = {{"--n-embd", s.n_embd}, {"--n-ff-exp", s.n_ff_exp},
                            {"--n-head * --head-dim", (uint64_t)s.n_head * s.head_dim},
                            {"shared expert width", s.is_hybrid() ? s.n_ff_shexp : block},
                            {"ssm value dim", s.is_hybrid() ? (uint64_t)s.ssm_n_v_heads * s.ssm_head_dim : block}};
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
        case model::GgmlType::kQ4_K: return 14; // LLAMA_FTYPE_MOSTLY_Q4_K_S
        case model::GgmlType::kQ5_K: return 16; // LLAMA_FTYPE_MOSTLY_Q5_K_S
        case model::GgmlType::kQ6_K: return 18; // LLAMA_FTYPE_MOSTLY_Q6_K
        case model::GgmlType::kBF16: return 32; // LLAMA_FTYPE_MOSTLY_BF16
    }
    return 0;
}

}  // namespace moevk::gen
