// tokenizer_vocab.cpp — builds the generated vocabulary: byte tokens, merges grown breadth-first from a set
// of frequent letters (each merged piece extends an existing piece by one symbol, so every merge is valid and
// every piece distinct), control tokens at the end.
#include "tokenizer_vocab.h"

#include <algorithm>

namespace moevk::gen {

namespace {

std::string utf8(uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += (char)cp;
    } else if (cp < 0x800) {
        s += (char)(0xc0 | (cp >> 6));
        s += (char)(0x80 | (cp & 0x3f));
    } else {
        s += (char)(0xe0 | (cp >> 12));
        s += (char)(0x80 | ((cp >> 6) & 0x3f));
        s += (char)(0x80 | (cp & 0x3f));
    }
    return s;
}

// GPT-2's bytes_to_unicode(): printable bytes map to themselves, the others to U+0100 onwards; the token
// order is the printable ones first, as in GPT-2's vocabulary.
std::vector<std::pair<uint8_t, std::string>> byte_tokens() {
    std::vector<int> bs;
    for (int b = '!'; b <= '~'; ++b) bs.push_back(b);
    for (int b = 0xa1; b <= 0xac; ++b) bs.push_back(b);
    for (int b = 0xae; b <= 0xff; ++b) bs.push_back(b);
    std::vector<std::pair<uint8_t, std::string>> out;
    for (int b : bs) out.push_back({(uint8_t)b, utf8((uint32_t)b)});
    uint32_t extra = 0;
    for (int b = 0; b < 256; ++b) {
        if (std::find(bs.begin(), bs.end(), b) == bs.end()) out.push_back({(uint8_t)b, utf8(256 + extra++)});
    }
    return out;
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
    std::vector<std::string> level = symbols;
    while (v.tokens.size() < n_bytes + n_merged && !symbols.empty()) {
        std::vector<std::string> next;
        for (const std::string &left : level) {
            for (const std::string &right : symbols) {
                if (v.tokens.size() == n_bytes + n_merged) break;
                v.tokens.push_back(left + right);
                v.token_types.push_back(1);
                v.merges.push_back(left + " " + right);
                next.push_back(left + right);
            }
        }
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
