// weight_types.cpp — per-matrix types of a generated model (see weight_types.h for the Q4_K_M rules).
#include "weight_types.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include "model_spec.h"

namespace moevk::gen {

namespace {

// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer in between.
bool use_more_bits(int layer, int n_layer) {
    return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// Layer index of "blk.<i>.<...>", or -1.
int layer_of(const std::string &name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    return std::atoi(name.c_str() + 4);
}

bool has(const std::string &name, const char *part) { return name.find(part) != std::string::npos; }

}  // namespace

model::GgmlType WeightTypes::for_matrix(const std::string &name, uint64_t ne0, uint32_t n_layer) const {
    if (!q4_k_m) return base;
    model::GgmlType t = model::GgmlType::kQ4_K;
    const int layer = layer_of(name);
    if (name == "output.weight") {
        t = model::GgmlType::kQ6_K;
    } else if ((has(name, "attn_v.weight") || has(name, "ffn_down")) && layer >= 0 &&
               use_more_bits(layer, (int)n_layer)) {
        t = model::GgmlType::kQ6_K;
    } else if (has(name, "attn_qkv.weight")) {
        t = model::GgmlType::kQ5_K;
    }
    if (ne0 % model::block_elements(t) != 0) t = model::GgmlType::kQ8_0;
    return t;
}

std::string WeightTypes::name() const { return q4_k_m ? "q4_K_M" : model::type_name((uint32_t)base); }

uint32_t WeightTypes::file_type() const { return q4_k_m ? 15 /* LLAMA_FTYPE_MOSTLY_Q4_K_M */ : file_type_for(base); }

std::optional<WeightTypes> parse_weight_types(const std::string &s) {
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return (char)std::tolower(c); });
    static const std::map<std::string, model::GgmlType> kTypes = {
        {"f32", model::GgmlType::kF32},   {"f16", model::GgmlType::kF16},   {"bf16", model::GgmlType::kBF16},
        {"q8_0", model::GgmlType::kQ8_0}, {"q4_0", model::GgmlType::kQ4_0}, {"q4_k", model::GgmlType::kQ4_K},
        {"q5_k", model::GgmlType::kQ5_K}, {"q6_k", model::GgmlType::kQ6_K}};
    if (lower == "q4_k_m") {
        WeightTypes mix(model::GgmlType::kQ4_K);
        mix.q4_k_m = true;
        return mix;
    }
    auto it = kTypes.find(lower);
    if (it == kTypes.end()) return std::nullopt;
    return WeightTypes(it->second);
}

}  // namespace moevk::gen
