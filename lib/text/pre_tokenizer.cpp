// pre_tokenizer.cpp — Qwen2's split regex run with PCRE2 in UTF + UCP mode (\p{L}, \p{N} and \s follow
// Unicode). The contractions are spelled '[sS] ... instead of (?i:'s ...) as llama.cpp does, because a
// caseless Unicode match would also take "'ſ" (long s) for "'s".
#define PCRE2_CODE_UNIT_WIDTH 8
#include "text/pre_tokenizer.h"

#include <pcre2.h>

#include <memory>
#include <string>

namespace moevk::text {

namespace {

const char kQwen2Pattern[] =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
    "|\\p{N}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+"
    "|\\s+(?!\\S)"
    "|\\s+";

struct MatchDataFree {
    void operator()(pcre2_match_data *m) const { pcre2_match_data_free(m); }
};

}  // namespace

StatusOr<PreTokenizer> PreTokenizer::qwen2() {
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kQwen2Pattern), PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error, message, sizeof message);
        return internal_error("PCRE2 refused the Qwen2 pre-tokenizer pattern at offset " +
                              std::to_string(error_offset) + ": " + reinterpret_cast<const char *>(message));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; the interpreter is used when it fails
    PreTokenizer p;
    p.code_ = code;
    return p;
}

PreTokenizer::PreTokenizer(PreTokenizer &&other) noexcept : code_(other.code_) { other.code_ = nullptr; }

PreTokenizer &PreTokenizer::operator=(PreTokenizer &&other) noexcept {
    if (this != &other) {
        pcre2_code_free(static_cast<pcre2_code *>(code_));
        code_ = other.code_;
        other.code_ = nullptr;
    }
    return *this;
}

PreTokenizer::~PreTokenizer() { pcre2_code_free(static_cast<pcre2_code *>(code_)); }

Status PreTokenizer::split(std::string_view text, std::vector<std::string_view> *words) const {
    words->clear();
    auto *code = static_cast<const pcre2_code *>(code_);
    std::unique_ptr<pcre2_match_data, MatchDataFree> match(pcre2_match_data_create_from_pattern(code, nullptr));
    if (!match) return out_of_memory("PCRE2 match data");
    const auto *subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        // The caller validated the UTF-8 once for the whole text; do not re-check it at every word.
        const int rc = pcre2_match(code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, match.get(), nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) return internal_error("PCRE2 match failed with code " + std::to_string(rc));
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(match.get());
        const size_t start = ov[0], end = ov[1];
        if (start > pos) words->push_back(text.substr(pos, start - pos));  // never happens: every char matches
        if (end == start) {
            return internal_error("the pre-tokenizer pattern matched an empty string at byte " + std::to_string(start));
        }
        words->push_back(text.substr(start, end - start));
        pos = end;
    }
    if (pos < text.size()) words->push_back(text.substr(pos));
    return Status::ok();
}

}  // namespace moevk::text
