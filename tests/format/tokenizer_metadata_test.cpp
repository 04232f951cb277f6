// tokenizer_metadata_test.cpp — reading the tokenizer from GGUF metadata (text::read_vocab): the generated
// tiny model's vocabulary comes back intact; a missing or foreign tokenizer is kUnsupported and inconsistent
// arrays or ids are kBadFormat, each with a message naming the key.
#include "format_test_util.h"
#include "gen_model/tokenizer_vocab.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

namespace moevk::test {
namespace {

Status vocab_status(const TinyModel &tiny) {
    const std::vector<uint8_t> image = tiny.image();
    auto file = parse(image);
    if (!file.is_ok()) return file.status();
    auto v = text::read_vocab(*file.value());
    if (!v.is_ok()) return v.status();
    auto t = text::Tokenizer::create(std::move(v).value());
    return t.is_ok() ? Status::ok() : t.status();
}

TEST(TokenizerMetadata, GeneratedVocabularyReadsBack) {
    TinyModel tiny;
    const std::vector<uint8_t> image = tiny.image();
    auto file = parse(image);
    ASSERT_TRUE(file.is_ok()) << file.status().message();
    auto v = text::read_vocab(*file.value());
    ASSERT_TRUE(v.is_ok()) << v.status().message();
    const gen::Vocab expected = gen::make_vocab(512);
    EXPECT_EQ(v.value().tokens, expected.tokens);
    EXPECT_EQ(v.value().types, expected.token_types);
    EXPECT_EQ(v.value().merges, expected.merges);
    EXPECT_EQ(v.value().bos, (int32_t)expected.bos_id);
    EXPECT_EQ(v.value().eos, (int32_t)expected.eos_id);
}

TEST(TokenizerMetadata, MissingOrForeignTokenizerIsUnsupported) {
    TinyModel none;
    none.writer.remove_key("tokenizer.ggml.model");
    EXPECT_TRUE(has_error(vocab_status(none), StatusCode::kUnsupported, {"no tokenizer"}));
    TinyModel llama;
    llama.writer.remove_key("tokenizer.ggml.model");
    llama.writer.add_string("tokenizer.ggml.model", "llama");
    EXPECT_TRUE(has_error(vocab_status(llama), StatusCode::kUnsupported, {"'llama'"}));
    TinyModel pre;
    pre.writer.remove_key("tokenizer.ggml.pre");
    pre.writer.add_string("tokenizer.ggml.pre", "llama-bpe");
    EXPECT_TRUE(has_error(vocab_status(pre), StatusCode::kUnsupported, {"'llama-bpe'"}));
}

TEST(TokenizerMetadata, InconsistentArraysAreBadFormat) {
    TinyModel types;
    types.writer.remove_key("tokenizer.ggml.token_type");
    types.writer.add_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(500, 1));
    EXPECT_TRUE(has_error(vocab_status(types), StatusCode::kBadFormat, {"token_type", "500", "512"}));
    TinyModel tokens;
    tokens.writer.remove_key("tokenizer.ggml.tokens");
    tokens.writer.add_i32_array("tokenizer.ggml.tokens", std::vector<int32_t>(512, 1));
    EXPECT_TRUE(has_error(vocab_status(tokens), StatusCode::kBadFormat, {"tokenizer.ggml.tokens"}));
    TinyModel merges;
    merges.writer.remove_key("tokenizer.ggml.merges");
    merges.writer.add_string_array("tokenizer.ggml.merges", {"a b", "nospace"});
    EXPECT_TRUE(has_error(vocab_status(merges), StatusCode::kBadFormat, {"merges[1]", "nospace"}));
    TinyModel dup;
    std::vector<std::string> toks = gen::make_vocab(512).tokens;
    toks[300] = toks[299];
    dup.writer.remove_key("tokenizer.ggml.tokens");
    dup.writer.add_string_array("tokenizer.ggml.tokens", toks);
    EXPECT_TRUE(has_error(vocab_status(dup), StatusCode::kBadFormat, {"duplicate", "300"}));
    TinyModel bos;
    bos.set_u32("tokenizer.ggml.bos_token_id", 512);
    EXPECT_TRUE(has_error(vocab_status(bos), StatusCode::kBadFormat, {"bos_token_id", "512"}));
}

}  // namespace
}  // namespace moevk::test
