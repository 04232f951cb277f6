// model_spec.h — the shape of a generated model (qwen3moe, or the hybrid qwen3next / qwen35moe): presets and
// the consistency rules a spec must meet before anything is written. No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/ggml_type.h"
#include "weight_types.h"

namespace moevk::gen {

struct ModelSpec {
    std::string arch = "qwen3moe"; // general.architecture: qwen3moe, qwen3next or qwen35moe
    std::string name;             // general.name
    uint32_t n_embd = 0;
    uint32_t n_layer = 0;
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;
    uint32_t head_dim = 0;        // key_length == value_length
    uint32_t n_expert = 0;
    uint32_t n_expert_used = 0;
    uint32_t n_ff_exp = 0;
    uint32_t n_vocab = 0;
    uint32_t n_ctx = 0;           // context_length
    float rms_eps = 1e-6f;
    float rope_freq_base = 1e6f;
    bool tie_output = false;      // omit output.weight (the loader ties it to token_embd)
    // Hybrid architectures only (docs/hybrid-models.md).
    uint32_t n_rot = 0;           // rope.dimension_count (partial RoPE)
    uint32_t full_attn_interval = 0;  // every interval-th layer is full attention, the others recurrent
    uint32_t n_ff_shexp = 0;      // shared expert width
    uint32_t ssm_d_conv = 0;      // conv taps
    uint32_t ssm_n_k_heads = 0;   // ssm.group_count
    uint32_t ssm_n_v_heads = 0;   // ssm.time_step_rank
    uint32_t ssm_head_dim = 0;    // ssm.state_size (key and value head dim)

    bool is_hybrid() const { return arch != "qwen3moe"; }
};

// "tiny" (tests, lavapipe-sized) for each architecture, "qwen3-30b-a3b" (qwen3moe) and "qwen3.6-35b-a3b"
// (qwen35moe): the real models' shapes. nullopt for other names or a preset of another architecture.
std::optional<ModelSpec> preset_spec(const std::string &preset, const std::string &arch = "qwen3moe");
// The architecture a preset implies ("" when it exists for every architecture, like "tiny").
std::string preset_arch(const std::string &preset);
// "" when the spec can be written with matrices of these types, else what is wrong (a mix falls back to
// Q8_0 for rows it cannot fill, so only its Q8_0 block size matters).
std::string validate_spec(const ModelSpec &spec, const WeightTypes &types);
// llama_ftype number for general.file_type ("mostly <type>").
uint32_t file_type_for(model::GgmlType type);

}  // namespace moevk::gen
