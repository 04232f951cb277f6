// tokenizer_bpe_test.cpp — the tokenizer on hand-built vocabularies: Qwen2 pre-tokenizer splits, merges applied
// in rank order (checked by hand), leftmost-first on ties, byte fallback, special tokens, invalid UTF-8.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "text/byte_unicode.h"
#include "text/pre_tokenizer.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace moevk::text {
namespace {

// The 256 byte tokens (id = byte value), then extra pieces given in raw bytes, then control tokens.
struct TinyVocab {
    VocabData data;
    TinyVocab(const std::vector<std::string> &pieces, const std::vector<std::string> &merges_raw,
              const std::vector<std::string> &controls = {}) {
        for (int b = 0; b < 256; ++b) add(byte_to_unicode((uint8_t)b), kTokenNormal);
        for (const std::string &p : pieces) add(bytes_to_unicode_text(p), kTokenNormal);
        for (const std::string &c : controls) add(c, kTokenControl);
        for (const std::string &m : merges_raw) {  // "left right" in raw bytes; a side never holds a space here
            const size_t sp = m.find(' ');
            data.merges.push_back(bytes_to_unicode_text(m.substr(0, sp)) + " " + bytes_to_unicode_text(m.substr(sp + 1)));
        }
    }
    void add(const std::string &t, int32_t type) {
        data.tokens.push_back(t);
        data.types.push_back(type);
    }
    int32_t id(const std::string &raw) const {  // id of a piece given in raw bytes
        const std::string mapped = bytes_to_unicode_text(raw);
        for (size_t i = 0; i < data.tokens.size(); ++i) {
            if (data.tokens[i] == mapped) return (int32_t)i;
        }
        return -1;
    }
};

std::unique_ptr<Tokenizer> make(const TinyVocab &v) {
    auto t = Tokenizer::create(v.data);
    EXPECT_TRUE(t.is_ok()) << t.status().message();
    return t.is_ok() ? std::move(t).value() : nullptr;
}

std::vector<int32_t> ids(const Tokenizer &t, const std::string &text, bool special = false) {
    std::vector<int32_t> out;
    const Status s = t.tokenize(text, special, &out);
    EXPECT_TRUE(s.is_ok()) << s.message();
    return out;
}

std::vector<std::string> split(const std::string &text) {
    auto pre = PreTokenizer::qwen2();
    EXPECT_TRUE(pre.is_ok());
    std::vector<std::string_view> words;
    EXPECT_TRUE(pre.value().split(text, &words).is_ok());
    return std::vector<std::string>(words.begin(), words.end());
}

TEST(PreTokenizer, SplitsLikeQwen2) {
    // Worked out by hand from the regex: one leading non-letter joins a word, digits stand alone, a space
    // before a non-space is left for the next word, newline runs are their own word.
    EXPECT_EQ(split("Hello world's 123 foo\n\n  bar"),
              (std::vector<std::string>{"Hello", " world", "'s", " ", "1", "2", "3", " foo", "\n\n", " ", " bar"}));
    EXPECT_EQ(split("I'M we'Ve x.y=(a+b);"),
              (std::vector<std::string>{"I", "'M", " we", "'Ve", " x", ".y", "=(", "a", "+b", ");"}));
    EXPECT_EQ(split("你好世界 日本語"), (std::vector<std::string>{"你好世界", " 日本語"}));
    EXPECT_EQ(split("😀😀 ok"), (std::vector<std::string>{"😀😀", " ok"}));
    EXPECT_EQ(split("a\t\tb   "), (std::vector<std::string>{"a", "\t", "\tb", "   "}));
    EXPECT_EQ(split(""), std::vector<std::string>{});
}

TEST(ByteUnicode, Gpt2Mapping) {
    EXPECT_EQ(byte_to_unicode(' '), "\xc4\xa0");  // "Ġ"
    EXPECT_EQ(byte_to_unicode('\n'), "\xc4\x8a");  // "Ċ"
    EXPECT_EQ(byte_to_unicode('A'), "A");
    std::string all, back;
    for (int b = 0; b < 256; ++b) all.push_back((char)b);
    ASSERT_TRUE(unicode_text_to_bytes(bytes_to_unicode_text(all), &back));
    EXPECT_EQ(back, all);
    EXPECT_EQ(unicode_to_byte(0x4e2d), -1);
}

TEST(Bpe, MergesApplyInRankOrder) {
    // "abc" with "b c" ranked first: b+c merge, then no merge "a bc" exists -> [a, bc].
    TinyVocab first_bc({"bc", "ab"}, {"b c", "a b"});
    auto t = make(first_bc);
    EXPECT_EQ(ids(*t, "abc"), (std::vector<int32_t>{'a', first_bc.id("bc")}));
    // Same pieces, "a b" ranked first: [ab, c].
    TinyVocab first_ab({"bc", "ab"}, {"a b", "b c"});
    t = make(first_ab);
    EXPECT_EQ(ids(*t, "abc"), (std::vector<int32_t>{first_ab.id("ab"), 'c'}));
    EXPECT_EQ(t->merge_rank(bytes_to_unicode_text("a"), bytes_to_unicode_text("b")), 0);
}

TEST(Bpe, MergesChainToWholeWords) {
    // hello: "l l"(0) -> h e ll o; "h e"(1) -> he ll o; "he ll"(2) -> hell o; "hell o"(3) -> hello.
    TinyVocab v({"ll", "he", "hell", "hello", " h"}, {"l l", "h e", "he ll", "hell o"});
    auto t = make(v);
    EXPECT_EQ(ids(*t, "hello"), (std::vector<int32_t>{v.id("hello")}));
    // " hello" is one word (leading space) but no merge starts with the space: [" ", hello].
    EXPECT_EQ(ids(*t, " hello"), (std::vector<int32_t>{' ', v.id("hello")}));
    // "hellohello" is one word: merges apply to both halves.
    EXPECT_EQ(ids(*t, "hellohello"), (std::vector<int32_t>{v.id("hello"), v.id("hello")}));
    EXPECT_EQ(ids(*t, "help"), (std::vector<int32_t>{v.id("he"), 'l', 'p'}));
}

TEST(Bpe, LeftmostPairWinsOnTies) {
    TinyVocab v({"aa"}, {"a a"});
    auto t = make(v);
    EXPECT_EQ(ids(*t, "aaa"), (std::vector<int32_t>{v.id("aa"), 'a'}));
    EXPECT_EQ(ids(*t, "aaaa"), (std::vector<int32_t>{v.id("aa"), v.id("aa")}));
}

TEST(Bpe, MergedPieceMissingFromVocabFallsBackToBytes) {
    TinyVocab v({}, {"x y"});  // the merge exists, the piece "xy" does not
    auto t = make(v);
    EXPECT_EQ(ids(*t, "xy"), (std::vector<int32_t>{'x', 'y'}));
}

TEST(Bpe, MultiByteCharactersUseByteTokens) {
    TinyVocab v({"\xe4\xbd"}, {"\xe4 \xbd"});  // first two bytes of 你 (E4 BD A0) merged
    auto t = make(v);
    const std::vector<int32_t> got = ids(*t, "你");
    EXPECT_EQ(got, (std::vector<int32_t>{v.id("\xe4\xbd"), 0xa0}));
    // Pieces are raw bytes: neither is valid UTF-8 alone, together they are the character.
    EXPECT_EQ(t->piece(got[0]), "\xe4\xbd");
    EXPECT_EQ(t->piece(got[1]), "\xa0");
    EXPECT_EQ(t->piece(got[0]) + t->piece(got[1]), "你");
}

TEST(Bpe, ControlTokensOnlyWhenAsked) {
    TinyVocab v({}, {}, {"<|im_start|>", "<|im_end|>", "<|im"});
    auto t = make(v);
    const int32_t start = 256, end = 257;
    const std::string text = "<|im_start|>user\nhi<|im_end|>";
    const std::vector<int32_t> special = ids(*t, text, true);
    ASSERT_GE(special.size(), 3u);
    EXPECT_EQ(special.front(), start);  // the longest control token wins over its prefix "<|im"
    EXPECT_EQ(special.back(), end);
    EXPECT_EQ(special.size(), 2u + std::string("user\nhi").size());
    const std::vector<int32_t> plain = ids(*t, text, false);
    std::string joined;
    for (int32_t id : plain) {
        EXPECT_LT(id, 256) << "a control token matched without parse_special";
        joined += t->piece(id);
    }
    EXPECT_EQ(joined, text);
    EXPECT_EQ(t->piece(start), "<|im_start|>");
}

TEST(Bpe, InvalidUtf8IsRefused) {
    TinyVocab v({}, {});
    auto t = make(v);
    for (const std::string &bad : {std::string("\xff"), std::string("ok\xc0\xaf"), std::string("\xed\xa0\x80"),
                                  std::string("ab\xe4\xbd"), std::string("\x80x"), std::string("\xf4\x90\x80\x80")}) {
        std::vector<int32_t> out;
        const Status s = t->tokenize(bad, false, &out);
        EXPECT_EQ(s.code(), StatusCode::kInvalidArg) << bad;
        EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
    }
    std::vector<int32_t> out;
    const Status s = t->tokenize("ab\xe4\xbd", false, &out);
    EXPECT_NE(s.message().find("byte 2"), std::string::npos) << s.message();
    EXPECT_TRUE(t->tokenize(std::string("nul\0inside", 10), false, &out).is_ok());  // NUL is text
}

TEST(Bpe, RefusesDuplicateTokensAndMalformedMerges) {
    TinyVocab dup({"a"}, {});  // "a" is also a byte token
    EXPECT_EQ(Tokenizer::create(dup.data).status().code(), StatusCode::kBadFormat);
    TinyVocab bad_merge({}, {});
    bad_merge.data.merges.push_back("nospace");
    EXPECT_EQ(Tokenizer::create(bad_merge.data).status().code(), StatusCode::kBadFormat);
}

TEST(Utf8, Validation) {
    EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string_view::npos);
    EXPECT_EQ(find_invalid_utf8("日本語 😀"), std::string_view::npos);
    EXPECT_EQ(find_invalid_utf8("a\xe0\x80\x80"), 1u);  // overlong 3-byte
    EXPECT_EQ(find_invalid_utf8("\xf0\x9f\x98"), 0u);   // truncated 4-byte
}

}  // namespace
}  // namespace moevk::text
