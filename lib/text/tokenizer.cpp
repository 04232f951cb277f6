// tokenizer.cpp — byte-level BPE. Merging follows llama.cpp's llm_tokenizer_bpe: repeatedly merge the
// adjacent pair with the lowest rank (leftmost on ties) until no pair has a merge; a final symbol missing
// from the vocabulary falls back to its bytes' single-byte tokens.
#include "text/tokenizer.h"

#include <algorithm>

#include "text/byte_unicode.h"
#include "text/utf8.h"

namespace moevk::text {

StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::create(VocabData vocab) {
    if (vocab.types.size() != vocab.tokens.size()) return bad_format("token types and tokens differ in count");
    MOEVK_ASSIGN_OR_RETURN(PreTokenizer pre, PreTokenizer::qwen2());
    std::unique_ptr<Tokenizer> t(new Tokenizer(std::move(vocab), std::move(pre)));
    const VocabData &v = t->vocab_;
    t->byte_ids_.assign(256, -1);
    t->pieces_.resize(v.tokens.size());
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        const std::string &text = v.tokens[id];
        // llama.cpp keeps the last of duplicate entries; real vocabularies have none, so refuse them.
        if (!t->token_ids_.emplace(text, (int32_t)id).second) {
            return bad_format("tokenizer.ggml.tokens has a duplicate entry at id " + std::to_string(id));
        }
        const int32_t type = v.types[id];
        if (type == kTokenControl || type == kTokenUserDefined || type == kTokenUnknown) {
            t->pieces_[id] = text;  // special tokens are written as their text
            if (!text.empty()) {
                t->specials_.push_back((int32_t)id);
                t->special_first_byte_[(uint8_t)text[0]] = true;
            }
            continue;
        }
        std::string raw;
        if (find_invalid_utf8(text) == std::string_view::npos && unicode_text_to_bytes(text, &raw)) {
            t->pieces_[id] = raw;
            if (raw.size() == 1) t->byte_ids_[(uint8_t)raw[0]] = (int32_t)id;
        } else {
            t->pieces_[id] = text;  // not in byte-level form: llama.cpp would print the text as it is
        }
    }
    std::stable_sort(t->specials_.begin(), t->specials_.end(), [&](int32_t a, int32_t b) {
        return v.tokens[(size_t)a].size() > v.tokens[(size_t)b].size();
    });
    for (size_t rank = 0; rank < v.merges.size(); ++rank) {
        const std::string &m = v.merges[rank];
        // As llama.cpp: the separator is the first space after position 0 (a side may itself be " ").
        const size_t sp = m.find(' ', 1);
        if (sp == std::string::npos || sp + 1 >= m.size()) {
            return bad_format("tokenizer.ggml.merges[" + std::to_string(rank) + "] '" + m + "' is not 'left right'");
        }
        t->merge_ranks_.emplace(m, (int32_t)rank);  // a repeated merge keeps its first (best) rank
    }
    return t;
}

int32_t Tokenizer::merge_rank(const std::string &left, const std::string &right) const {
    auto it = merge_ranks_.find(left + " " + right);
    return it == merge_ranks_.end() ? -1 : it->second;
}

void Tokenizer::special_split(std::string_view text, bool parse_special,
                              std::vector<std::pair<std::string_view, int32_t>> *fragments) const {
    // Fragments are (text, -1) for plain text or ("", id) for a special token found in it.
    size_t plain_start = 0;
    for (size_t i = 0; i < text.size();) {
        int32_t found = -1;
        if (!special_first_byte_[(uint8_t)text[i]]) {  // most positions: no special token can start here
            ++i;
            continue;
        }
        for (int32_t id : specials_) {
            // As llama.cpp: control and unknown tokens only when asked; user-defined ones always.
            if (vocab_.types[(size_t)id] != kTokenUserDefined && !parse_special) continue;
            const std::string &s = vocab_.tokens[(size_t)id];
            if (text.compare(i, s.size(), s) == 0) {
                found = id;  // specials_ is longest first, so the first match is the longest
                break;
            }
        }
        if (found < 0) {
            ++i;
            continue;
        }
        if (i > plain_start) fragments->push_back({text.substr(plain_start, i - plain_start), -1});
        fragments->push_back({std::string_view(), found});
        i += vocab_.tokens[(size_t)found].size();
        plain_start = i;
    }
    if (plain_start < text.size()) fragments->push_back({text.substr(plain_start), -1});
}

Status Tokenizer::bpe_word(std::string_view word, std::vector<int32_t> *out) const {
    const std::string mapped = bytes_to_unicode_text(word);
    std::vector<std::string> symbols;  // one per code point of the mapped word, merged in place
    for (size_t i = 0; i < mapped.size();) {
        const size_t n = utf8_sequence_length((unsigned char)mapped[i]);
        symbols.push_back(mapped.substr(i, n));
        i += n;
    }
    std::string key;
    while (symbols.size() > 1) {
        int32_t best_rank = -1;
        size_t best = 0;
        for (size_t i = 0; i + 1 < symbols.size(); ++i) {
            key.assign(symbols[i]).append(" ").append(symbols[i + 1]);
            auto it = merge_ranks_.find(key);
            if (it != merge_ranks_.end() && (best_rank < 0 || it->second < best_rank)) {
                best_rank = it->second;  // strict '<' keeps the leftmost pair among equal ranks
                best = i;
            }
        }
        if (best_rank < 0) break;
        symbols[best] += symbols[best + 1];
        symbols.erase(symbols.begin() + (std::ptrdiff_t)best + 1);
    }
    for (const std::string &sym : symbols) {
        auto it = token_ids_.find(sym);
        const int32_t type = it == token_ids_.end() ? kTokenUndefined : vocab_.types[(size_t)it->second];
        if (it != token_ids_.end() && type != kTokenControl && type != kTokenUnknown) {
            out->push_back(it->second);
            continue;
        }
        std::string raw;
        unicode_text_to_bytes(sym, &raw);  // sym came from bytes_to_unicode_text: always maps back
        for (unsigned char c : raw) {
            if (byte_ids_[c] < 0) {
                return unsupported("the vocabulary has no token for byte 0x" +
                                   std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15]);
            }
            out->push_back(byte_ids_[c]);
        }
    }
    return Status::ok();
}

Status Tokenizer::tokenize(std::string_view text, bool parse_special, std::vector<int32_t> *out) const {
    const size_t bad = find_invalid_utf8(text);
    if (bad != std::string_view::npos) {
        return invalid_arg("text is not valid UTF-8: ill-formed sequence at byte " + std::to_string(bad));
    }
    std::vector<std::pair<std::string_view, int32_t>> fragments;
    special_split(text, parse_special, &fragments);
    std::vector<std::string_view> words;
    for (const auto &[fragment, id] : fragments) {
        if (id >= 0) {
            out->push_back(id);
            continue;
        }
        MOEVK_RETURN_IF_ERROR(pre_.split(fragment, &words));
        for (std::string_view w : words) MOEVK_RETURN_IF_ERROR(bpe_word(w, out));
    }
    return Status::ok();
}

}  // namespace moevk::text
