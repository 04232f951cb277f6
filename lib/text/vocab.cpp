// vocab.cpp — reads the tokenizer arrays from GGUF metadata and checks what the tokenizer relies on (array
// lengths agree, ids in range); the GGUF reader already validated the encoding of every value.
#include "text/vocab.h"

namespace moevk::text {

namespace {

const model::GgufArray *find_array(const model::GgufFile &file, const std::string &key) {
    const model::GgufValue *v = file.find(key);
    if (v == nullptr || v->type != model::GgufValueType::kArray) return nullptr;
    return &std::get<model::GgufArray>(v->value);
}

StatusOr<int32_t> read_id(const model::GgufFile &file, const std::string &key, size_t n_vocab) {
    auto id = file.get_uint(key);
    if (!id.is_ok()) return id.status();
    if (!id.value().has_value()) return -1;
    if (*id.value() >= n_vocab) {
        return bad_format("'" + key + "' = " + std::to_string(*id.value()) + " is out of range [0, " +
                          std::to_string(n_vocab) + ")");
    }
    return (int32_t)*id.value();
}

}  // namespace

StatusOr<VocabData> read_vocab(const model::GgufFile &file) {
    auto model_name = file.get_string("tokenizer.ggml.model");
    if (!model_name.is_ok()) return model_name.status();
    if (!model_name.value().has_value()) return unsupported("the model file has no tokenizer (tokenizer.ggml.model)");
    if (*model_name.value() != "gpt2") {
        return unsupported("tokenizer.ggml.model '" + *model_name.value() + "' is not supported (only 'gpt2' BPE)");
    }
    auto pre = file.get_string("tokenizer.ggml.pre");
    if (!pre.is_ok()) return pre.status();
    const std::string pre_name = pre.value().value_or("qwen2");
    if (pre_name != "qwen2") {
        return unsupported("tokenizer.ggml.pre '" + pre_name + "' is not supported (only 'qwen2')");
    }

    VocabData v;
    const model::GgufArray *tokens = find_array(file, "tokenizer.ggml.tokens");
    if (tokens == nullptr || tokens->elem_type != model::GgufValueType::kString || tokens->strings.empty()) {
        return bad_format("tokenizer.ggml.tokens is missing or not a non-empty array of strings");
    }
    if (tokens->strings.size() > (size_t)INT32_MAX) return bad_format("tokenizer.ggml.tokens has too many entries");
    v.tokens = tokens->strings;
    const model::GgufArray *types = find_array(file, "tokenizer.ggml.token_type");
    if (types != nullptr) {
        if (types->ints.size() != v.tokens.size()) {
            return bad_format("tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                              " integer entries, tokenizer.ggml.tokens " + std::to_string(v.tokens.size()));
        }
        v.types.assign(types->ints.begin(), types->ints.end());
    } else {
        v.types.assign(v.tokens.size(), kTokenNormal);
    }
    const model::GgufArray *merges = find_array(file, "tokenizer.ggml.merges");
    if (merges != nullptr) {
        if (merges->elem_type != model::GgufValueType::kString) {
            return bad_format("tokenizer.ggml.merges is not an array of strings");
        }
        v.merges = merges->strings;
    }
    MOEVK_ASSIGN_OR_RETURN(v.bos, read_id(file, "tokenizer.ggml.bos_token_id", v.tokens.size()));
    MOEVK_ASSIGN_OR_RETURN(v.eos, read_id(file, "tokenizer.ggml.eos_token_id", v.tokens.size()));
    return v;
}

}  // namespace moevk::text
