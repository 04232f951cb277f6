// vocab.h — the tokenizer's inputs as the GGUF file stores them (tokenizer.ggml.tokens, token_type, merges,
// bos/eos ids), read and checked from the model's metadata. It does not tokenize; see tokenizer.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/gguf.h"

namespace moevk::text {

// llama_token_type values of tokenizer.ggml.token_type.
enum TokenType : int32_t {
    kTokenUndefined = 0,
    kTokenNormal = 1,
    kTokenUnknown = 2,
    kTokenControl = 3,      // <|im_start|>, <|endoftext|>: matched in text only when asked
    kTokenUserDefined = 4,  // added tokens: always matched in text
    kTokenUnused = 5,
    kTokenByte = 6,
};

struct VocabData {
    std::vector<std::string> tokens;  // in GPT-2 byte-to-unicode form for normal tokens
    std::vector<int32_t> types;       // same length as tokens (kTokenNormal when the file has no types)
    std::vector<std::string> merges;  // "left right" in rank order (rank = index)
    int32_t bos = -1;                 // -1 when the file names none
    int32_t eos = -1;
};

// Reads tokenizer.ggml.* from a model file. kUnsupported when the file has no tokenizer or a model/pre other
// than "gpt2"/"qwen2" (the message names them); kBadFormat for inconsistent arrays or ids.
StatusOr<VocabData> read_vocab(const model::GgufFile &file);

}  // namespace moevk::text
