// tokenize_api_test.cpp — moevk_tokenize / moevk_token_to_piece on the generated tiny model (its vocabulary has
// merges learned from a corpus): round trips on tricky strings, learned merges in use, special tokens, size
// queries, too-small buffers and refused input.
#include <string>
#include <vector>

#include "api/api_fixture.h"
#include "text/utf8.h"

namespace moevk::test {
namespace {

class TokenizeApi : public ApiTest {
protected:
    std::vector<int32_t> tokenize(moevk_ctx *ctx, const std::string &text, int32_t flags = 0) {
        size_t n = 0;
        EXPECT_EQ(moevk_tokenize(ctx, text.data(), text.size(), flags, nullptr, 0, &n), MOEVK_OK)
            << moevk_last_error(ctx);
        std::vector<int32_t> ids(n);
        size_t n2 = 0;
        EXPECT_EQ(moevk_tokenize(ctx, text.data(), text.size(), flags, ids.data(), ids.size(), &n2), MOEVK_OK)
            << moevk_last_error(ctx);
        EXPECT_EQ(n, n2);
        return ids;
    }
    std::string piece(moevk_ctx *ctx, int32_t token) {
        size_t n = 0;
        EXPECT_EQ(moevk_token_to_piece(ctx, token, nullptr, 0, &n), MOEVK_OK) << moevk_last_error(ctx);
        std::string s(n, '\0');
        size_t n2 = 0;
        EXPECT_EQ(moevk_token_to_piece(ctx, token, s.data(), s.size(), &n2), MOEVK_OK);
        EXPECT_EQ(n, n2);
        return s;
    }
    std::string detokenize(moevk_ctx *ctx, const std::vector<int32_t> &ids) {
        std::string s;
        for (int32_t id : ids) s += piece(ctx, id);
        return s;
    }
};

const char *const kTricky[] = {
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "",
    " ",
    "   leading and trailing   ",
    "tabs\tand\t\tmore\ttabs\n",
    "\n\n\nnewlines\r\n\r\nCRLF\r",
    "We're sure they'll say it's fine; I'd've THOUGHT'S",
    "今天天气很好，我们去公园散步吧。",
    "日本語のテキストも少しあります。",
    "한국어 텍스트 🇰🇷",
    "emoji 😀😃😄 and ZWJ 👨‍👩‍👧‍👦 family",
    "int main(int argc, char **argv) { return argc > 1 ? 0 : 1; }",
    "def f(x):\n    return [i * 2 for i in range(x)]  # comment\n",
    "numbers 1234567890 3.14159 -42 1e-9 0x7fff",
    "mixed: naïve café Ωmega ∑ ≠ ∞ العربية עברית",
    "combining e\xcc\x81 and \xef\xbb\xbf BOM and \xe2\x80\x8b zero width",
    "<|im_start|>user\nnot special without the flag<|im_end|>",
    "                                                                 long run of spaces",
    "\xf4\x8f\xbf\xbf max code point, \xc2\x80 smallest two-byte",
};

TEST_F(TokenizeApi, RoundTripsTrickyStrings) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    for (const char *t : kTricky) {
        const std::string text = t;
        EXPECT_EQ(detokenize(h, tokenize(h, text)), text) << text;
    }
    const std::string with_nul("nul\0inside\0", 11);
    EXPECT_EQ(detokenize(h, tokenize(h, with_nul)), with_nul);
}

TEST_F(TokenizeApi, LearnedMergesShortenText) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    const std::string text = "The model reads the prompt, then the tokenizer merges the most frequent pairs.";
    const std::vector<int32_t> ids = tokenize(h, text);
    EXPECT_LT(ids.size(), text.size() / 2) << "the generated vocabulary's merges are not used";
    const std::vector<int32_t> the = tokenize(h, " the");
    EXPECT_EQ(the.size(), 1u) << "\" the\" is the corpus' most frequent word";
    EXPECT_EQ(piece(h, the[0]), " the");
}

TEST_F(TokenizeApi, PiecesMaySplitACharacter) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    const std::string text = "龍";  // not in the corpus: its three bytes stay separate tokens
    const std::vector<int32_t> ids = tokenize(h, text);
    ASSERT_GE(ids.size(), 2u);
    bool some_partial = false;
    for (int32_t id : ids) some_partial |= text::find_invalid_utf8(piece(h, id)) != std::string_view::npos;
    EXPECT_TRUE(some_partial);
    EXPECT_EQ(detokenize(h, ids), text);
}

TEST_F(TokenizeApi, SpecialTokensWhenAsked) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    const int32_t n_vocab = moevk_n_vocab(h);
    const int32_t im_start = n_vocab - 2, im_end = n_vocab - 1;
    const std::string chat = "<|im_start|>user\nHello<|im_end|>";
    const std::vector<int32_t> special = tokenize(h, chat, MOEVK_TOKENIZE_PARSE_SPECIAL);
    ASSERT_GE(special.size(), 3u);
    EXPECT_EQ(special.front(), im_start);
    EXPECT_EQ(special.back(), im_end);
    EXPECT_EQ(im_end, moevk_eos(h));
    EXPECT_EQ(detokenize(h, special), chat);
    for (int32_t id : tokenize(h, chat)) EXPECT_LT(id, n_vocab - 3) << "control token matched without the flag";
    const std::vector<int32_t> bos = tokenize(h, "hi", MOEVK_TOKENIZE_ADD_BOS);
    ASSERT_FALSE(bos.empty());
    EXPECT_EQ(piece(h, bos[0]), "<|endoftext|>");
}

TEST_F(TokenizeApi, SizeQueryAndTooSmallBuffers) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    const std::string text = "size query and a buffer that is too small";
    size_t n = 0;
    ASSERT_EQ(moevk_tokenize(h, text.data(), text.size(), 0, nullptr, 0, &n), MOEVK_OK);
    ASSERT_GT(n, 2u);
    std::vector<int32_t> small(n - 1);
    size_t n2 = 0;
    EXPECT_EQ(moevk_tokenize(h, text.data(), text.size(), 0, small.data(), small.size(), &n2),
              MOEVK_E_BUFFER_TOO_SMALL);
    EXPECT_EQ(n2, n);
    EXPECT_NE(std::string(moevk_last_error(h)), "");

    const int32_t tok = tokenize(h, " the")[0];
    size_t size = 0;
    ASSERT_EQ(moevk_token_to_piece(h, tok, nullptr, 0, &size), MOEVK_OK);
    EXPECT_EQ(size, 4u);
    char buf[8] = "xxxxxxx";
    EXPECT_EQ(moevk_token_to_piece(h, tok, buf, 3, &size), MOEVK_E_BUFFER_TOO_SMALL);
    EXPECT_EQ(size, 4u);
    EXPECT_EQ(std::string(buf), "xxxxxxx") << "dst touched on failure";
    EXPECT_EQ(moevk_token_to_piece(h, tok, buf, 4, &size), MOEVK_OK);
    EXPECT_EQ(std::string(buf, 4), " the");
    EXPECT_EQ(std::string(moevk_last_error(h)), "");
}

TEST_F(TokenizeApi, RefusesBadInput) {
    CtxHolder h;
    MOEVK_OPEN_OR_SKIP(h);
    size_t n = 0;
    const std::string bad = "valid then \xc3\x28 invalid";
    EXPECT_EQ(moevk_tokenize(h, bad.data(), bad.size(), 0, nullptr, 0, &n), MOEVK_E_INVALID_ARG);
    EXPECT_NE(std::string(moevk_last_error(h)).find("UTF-8"), std::string::npos) << moevk_last_error(h);
    EXPECT_NE(std::string(moevk_last_error(h)).find("byte 11"), std::string::npos) << moevk_last_error(h);
    EXPECT_EQ(moevk_tokenize(h, "x", 1, 0x40, nullptr, 0, &n), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_tokenize(h, nullptr, 3, 0, nullptr, 0, &n), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_tokenize(h, "x", 1, 0, nullptr, 0, nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_tokenize(nullptr, "x", 1, 0, nullptr, 0, &n), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_tokenize(h, nullptr, 0, 0, nullptr, 0, &n), MOEVK_OK);
    EXPECT_EQ(n, 0u);
    size_t size = 0;
    EXPECT_EQ(moevk_token_to_piece(h, -1, nullptr, 0, &size), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_token_to_piece(h, moevk_n_vocab(h), nullptr, 0, &size), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_token_to_piece(h, 0, nullptr, 0, nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_memory_seq_pos_max(h, 0), -1) << "tokenizing touched the sequence";
}

}  // namespace
}  // namespace moevk::test
