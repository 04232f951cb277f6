// tokenizer_vocab.h — a small but real GPT-2-style BPE vocabulary for generated models: byte tokens, merges
// learned from an embedded corpus (so moevk's tokenizer tests exercise real merges), control tokens last.
// llama.cpp-like loaders accept it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf_writer.h"

namespace moevk::gen {

struct Vocab {
    std::vector<std::string> tokens;   // n_vocab distinct strings
    std::vector<int32_t> token_types;  // 1 normal, 3 control (llama_token_type)
    std::vector<std::string> merges;   // "left right", each side and their concatenation are tokens
    uint32_t bos_id = 0;               // <|endoftext|>
    uint32_t eos_id = 0;               // <|im_end|>
    uint32_t pad_id = 0;               // <|endoftext|>
};

// n_vocab >= 8. Layout: the 256 byte tokens in GPT-2 byte-to-unicode form (fewer if n_vocab is small),
// then merged pieces (learned from the corpus first, rank = order; then grown from letters when the corpus
// runs out of pairs), then "<|endoftext|>", "<|im_start|>", "<|im_end|>".
Vocab make_vocab(uint32_t n_vocab);
// tokenizer.ggml.* keys as llama.cpp's converter writes them for Qwen (model "gpt2", pre "qwen2").
void add_tokenizer_metadata(const Vocab &vocab, GgufWriter &writer);

}  // namespace moevk::gen
