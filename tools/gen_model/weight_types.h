// weight_types.h — the type of each weight matrix of a generated model: one type for every matrix
// (--type q4_0, q6_k, ...), or llama.cpp's Q4_K_M mix (--type q4_k_m). Norms and routers stay F32 whatever
// this says (the layouts decide which tensors are matrices).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/ggml_type.h"

namespace moevk::gen {

struct WeightTypes {
    WeightTypes(model::GgmlType every_matrix = model::GgmlType::kQ4_0) : base(every_matrix) {}  // one type

    model::GgmlType base;  // every matrix, or the mix's main type
    bool q4_k_m = false;   // llama.cpp's Q4_K_M mix on top of base = Q4_K

    // Type of matrix `name` (llama.cpp tensor name, "blk.<i>.<role>.weight") with rows of ne0 values in a
    // model of n_layer layers. The Q4_K_M mix, as llama.cpp's llama_tensor_get_type chooses it for
    // LLAMA_FTYPE_MOSTLY_Q4_K_M: output.weight Q6_K; attn_v and ffn_down* Q6_K in the layers of
    // use_more_bits (the first and last eighth, and every third in between), Q4_K elsewhere; the hybrid's
    // attn_qkv Q5_K; everything else Q4_K. A row that is not whole 256-value super-blocks falls back to
    // Q8_0 (llama.cpp uses Q5_0 / Q5_1 / Q8_0, of which moevk reads only Q8_0). Not modelled: llama.cpp's
    // 8-expert special cases (attn_v Q8_0, attn_output Q5_K when n_expert == 8).
    model::GgmlType for_matrix(const std::string &name, uint64_t ne0, uint32_t n_layer) const;
    // "q4_0", "q6_K", "q4_K_M".
    std::string name() const;
    // general.file_type (llama_ftype).
    uint32_t file_type() const;
};

// Parses --type: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k (K in either case) or q4_k_m.
std::optional<WeightTypes> parse_weight_types(const std::string &s);

}  // namespace moevk::gen
