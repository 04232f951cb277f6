// tokenizer_vocab.cpp — builds the generated vocabulary: the 256 byte tokens, merges learned by BPE training on
// the embedded corpus (pre-tokenized with moevk's own Qwen2 splitter, so the merges fit the tokenizer), then,
// when the vocabulary asks for more pieces than the corpus gives, pieces grown breadth-first from frequent
// letters; control tokens at the end. Deterministic: ties between pairs are broken by the pairs' text.
#include "tokenizer_vocab.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "text/byte_unicode.h"
#include "text/pre_tokenizer.h"
#include "text/utf8.h"
#include "tokenizer_corpus.h"

namespace moevk::gen {

namespace {

// GPT-2's byte tokens in GPT-2's vocabulary order: the printable bytes first, then the others.
std::vector<std::pair<uint8_t, std::string>> byte_tokens() {
    std::vector<std::pair<uint8_t, std::string>> out;
    for (int pass = 0; pass < 2; ++pass) {
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            if (printable == (pass == 0)) out.push_back({(uint8_t)b, text::byte_to_unicode((uint8_t)b)});
        }
    }
    return out;
}

// Splits a byte-to-unicode mapped word into its code points.
std::vector<std::string> code_points(const std::string &mapped) {
    std::vector<std::string> out;
    for (size_t i = 0; i < mapped.size();) {
        const size_t n = text::utf8_sequence_length((unsigned char)mapped[i]);
        out.push_back(mapped.substr(i, n));
        i += n;
    }
    return out;
}

// Classic BPE training: merge the most frequent adjacent pair (weighted by word count) until max_merges or
// until no pair occurs twice. Appends each merged piece to *v (skipping a piece already present).
void learn_merges(size_t max_tokens, Vocab *v, std::set<std::string> *have) {
    auto pre = text::PreTokenizer::qwen2();
    if (!pre.is_ok()) return;  // cannot happen with a working PCRE2; the filler below still fills the vocab
    std::vector<std::string_view> words;
    if (!pre.value().split(kTokenizerCorpus, &words).is_ok()) return;
    std::map<std::string, int> counts;
    for (std::string_view w : words) ++counts[text::bytes_to_unicode_text(w)];
    std::vector<std::pair<std::vector<std::string>, int>> corpus;
    for (const auto &[w, n] : counts) corpus.push_back({code_points(w), n});

    while (v->tokens.size() < max_tokens) {
        std::map<std::pair<std::string, std::string>, int> pairs;
        for (const auto &[syms, n] : corpus) {
            for (size_t i = 0; i + 1 < syms.size(); ++i) pairs[{syms[i], syms[i + 1]}] += n;
        }
        const std::pair<std::string, std::string> *best = nullptr;
        int best_n = 1;
        for (const auto &[pair, n] : pairs) {  // std::map order: the first of equal counts wins
            if (n > best_n) best = &pair, best_n = n;
        }
        if (best == nullptr) return;
        const std::string left = best->first, right = best->second, joined = left + right;
        for (auto &[syms, n] : corpus) {
            for (size_t i = 0; i + 1 < syms.size(); ++i) {
                if (syms[i] == left && syms[i + 1] == right) {
                    syms[i] = joined;
                    syms.erase(syms.begin() + (std::ptrdiff_t)i + 1);
                }
            }
        }
        v->merges.push_back(left + " " + right);
        if (have->insert(joined).second) {
            v->tokens.push_back(joined);
            v->token_types.push_back(1);
        }
    }
}

}  // namespace

Vocab make_vocab(uint32_t n_vocab) {
    static const char *const kSpecials[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    const uint32_t n_special = 3;
    Vocab v;
    const auto bytes = byte_tokens();
    const uint32_t n_bytes = std::min<uint32_t>(256, n_vocab - n_special);
    std::vector<std::string> symbols;  // single-symbol pieces merges are built from
    for (uint32_t i = 0; i < n_bytes; ++i) {
        v.tokens.push_back(bytes[i].second);
        v.token_types.push_back(1);
    }
    // Frequent English letters and the GPT-2 space marker, when their byte tokens exist.
    for (uint8_t b : std::string("etaoinshrdlcumwfgypbvkjxqz ")) {
        for (uint32_t i = 0; i < n_bytes; ++i) {
            if (bytes[i].first == b) symbols.push_back(bytes[i].second);
        }
    }

    const uint32_t n_merged = n_vocab - n_special - n_bytes;
    std::set<std::string> have(v.tokens.begin(), v.tokens.end());
    // Learned merges need every byte token (a corpus word may hold any byte).
    if (n_bytes == 256) learn_merges(n_bytes + n_merged, &v, &have);
    std::vector<std::string> level = symbols;
    while (v.tokens.size() < n_bytes + n_merged && !symbols.empty()) {
        std::vector<std::string> next;
        for (const std::string &left : level) {
            for (const std::string &right : symbols) {
                if (v.tokens.size() == n_bytes + n_merged) break;
                if (!have.insert(left + right).second) continue;  // already learned from the corpus
                v.tokens.push_back(left + right);
                v.token_types.push_back(1);
                v.merges.push_back(left + " " + right);
                next.push_back(left + right);
            }
        }
        if (next.empty()) break;  // every piece of this level existed already
        level = std::move(next);
    }
    for (uint32_t i = 0; v.tokens.size() < n_bytes + n_merged; ++i) {  // only when no symbol exists
        v.tokens.push_back("<|tok_" + std::to_string(i) + "|>");
        v.token_types.push_back(1);
    }
    for (const char *s : kSpecials) {
        v.tokens.push_back(s);
        v.token_types.push_back(3);
    }
    v.bos_id = n_vocab - 3;
    v.eos_id = n_vocab - 1;
    v.pad_id = n_vocab - 3;
    return v;
}

void add_tokenizer_metadata(const Vocab &vocab, GgufWriter &w) {
    w.add_string("tokenizer.ggml.model", "gpt2");
    w.add_string("tokenizer.ggml.pre", "qwen2");
    w.add_string_array("tokenizer.ggml.tokens", vocab.tokens);
    w.add_i32_array("tokenizer.ggml.token_type", vocab.token_types);
    w.add_string_array("tokenizer.ggml.merges", vocab.merges);
    w.add_u32("tokenizer.ggml.eos_token_id", vocab.eos_id);
    w.add_u32("tokenizer.ggml.padding_token_id", vocab.pad_id);
    w.add_u32("tokenizer.ggml.bos_token_id", vocab.bos_id);
    w.add_bool("tokenizer.ggml.add_bos_token", false);
}

}  // namespace moevk::gen
