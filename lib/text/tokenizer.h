// tokenizer.h — byte-level BPE as llama.cpp's LLM_VOCAB_TYPE_BPE does it for Qwen2: special tokens split
// out first (control tokens only when asked), the Qwen2 pre-tokenizer splits words, each word's bytes are
// mapped to GPT-2 code points and merged in merge-rank order. Pieces (detokenization) are raw bytes, so a
// token may hold part of a UTF-8 character. Immutable after create(): safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "text/pre_tokenizer.h"
#include "text/vocab.h"

namespace moevk::text {

class Tokenizer {
public:
    // kBadFormat for a vocabulary the tokenizer cannot use (duplicate tokens, a malformed merge).
    static StatusOr<std::unique_ptr<Tokenizer>> create(VocabData vocab);

    // Appends the ids of text to *out. parse_special: control tokens written in the text ("<|im_start|>")
    // become their ids; otherwise they are tokenized as plain text. User-defined tokens always match.
    // kInvalidArg for text that is not valid UTF-8 (the message gives the byte offset).
    Status tokenize(std::string_view text, bool parse_special, std::vector<int32_t> *out) const;
    // Raw bytes of token id (the control token's text for control tokens). id must be in [0, n_vocab()).
    const std::string &piece(int32_t id) const { return pieces_[(size_t)id]; }

    int32_t n_vocab() const { return (int32_t)vocab_.tokens.size(); }
    int32_t bos() const { return vocab_.bos; }
    int32_t eos() const { return vocab_.eos; }
    // Rank of merge "left right", -1 when there is none (for tests).
    int32_t merge_rank(const std::string &left, const std::string &right) const;

private:
    Tokenizer(VocabData vocab, PreTokenizer pre) : vocab_(std::move(vocab)), pre_(std::move(pre)) {}
    Status bpe_word(std::string_view word, std::vector<int32_t> *out) const;
    void special_split(std::string_view text, bool parse_special,
                       std::vector<std::pair<std::string_view, int32_t>> *fragments) const;

    VocabData vocab_;
    PreTokenizer pre_;
    std::unordered_map<std::string, int32_t> token_ids_;    // token text -> id
    std::unordered_map<std::string, int32_t> merge_ranks_;  // "left right" -> rank
    std::vector<std::string> pieces_;                       // id -> raw bytes
    std::vector<int32_t> byte_ids_;                         // byte -> id of its single-byte token, -1 if none
    std::vector<int32_t> specials_;                         // control and user-defined ids, longest text first
    bool special_first_byte_[256] = {};                     // bytes some special token starts with
};

}  // namespace moevk::text
