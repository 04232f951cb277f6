// model_spec.h — the shape of a generated qwen3moe model: presets and the consistency rules a spec must
// meet before anything is written. No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/ggml_type.h"

namespace moevk::gen {

struct ModelSpec {
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
};

// "tiny" (tests, lavapipe-sized) and "qwen3-30b-a3b" (the real model's shape); nullopt for other names.
std::optional<ModelSpec> preset_spec(const std::string &preset);
// "" when the spec can be written with matrices of `type`, else what is wrong.
std::string validate_spec(const ModelSpec &spec, model::GgmlType type);
// llama_ftype number for general.file_type ("mostly <type>").
uint32_t file_type_for(model::GgmlType type);

}  // namespace moevk::gen
