// pre_tokenizer.h — the Qwen2 pre-tokenizer: splits text into words with Qwen2's regular expression (letters
// with one leading non-letter, single digits, punctuation runs, newline runs, whitespace) before BPE runs on
// each word. Unicode classes come from PCRE2; this file has no tables of its own.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"

namespace moevk::text {

class PreTokenizer {
public:
    // The Qwen2 split ("pre" = "qwen2" in tokenizer.ggml.pre). kInternal if PCRE2 refuses the pattern.
    static StatusOr<PreTokenizer> qwen2();
    PreTokenizer(PreTokenizer &&other) noexcept;
    PreTokenizer &operator=(PreTokenizer &&other) noexcept;
    PreTokenizer(const PreTokenizer &) = delete;
    PreTokenizer &operator=(const PreTokenizer &) = delete;
    ~PreTokenizer();

    // Splits valid UTF-8 text into consecutive words that together are exactly text. Thread-safe (the
    // compiled pattern is shared read-only; match state is per call).
    Status split(std::string_view text, std::vector<std::string_view> *words) const;

private:
    PreTokenizer() = default;
    void *code_ = nullptr;  // pcre2_code_8*, owned
};

}  // namespace moevk::text
