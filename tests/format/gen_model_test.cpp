// gen_model_test.cpp — the model generator: the same seed gives the same bytes whatever the thread count or
// path (streamed file vs in-memory image); weights have the intended scale; the vocabulary is consistent;
// the command line refuses bad arguments.
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>

#include "format_test_util.h"
#include "gen_model/cli.h"
#include "gen_model/model_file_writer.h"
#include "gen_model/tokenizer_vocab.h"
#include "text/tokenizer.h"

namespace moevk::test {
namespace {

using model::GgmlType;

std::vector<uint8_t> read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The build-time file (streamed by moevk-gen-model, all cores) equals the in-memory image (one thread).
TEST(GenModel, BuildTimeFilesMatchInMemoryImagesByteForByte) {
    for (GgmlType type : {GgmlType::kF32, GgmlType::kBF16, GgmlType::kQ4_0}) {
        const std::string path = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + model::type_name((uint32_t)type) + ".gguf";
        const std::vector<uint8_t> on_disk = read_file(path);
        ASSERT_FALSE(on_disk.empty()) << path;
        EXPECT_TRUE(on_disk == TinyModel(type, false, 7).image(true)) << path;
    }
}

TEST(GenModel, StreamedWriteIsIndependentOfThreadCount) {
    TinyModel tiny(GgmlType::kQ8_0);
    std::vector<uint8_t> first;
    for (unsigned threads : {1u, 3u, 8u}) {
        const std::string path = ::testing::TempDir() + "/moevk_gen_threads.gguf";
        gen::WriteOptions opts;
        opts.n_threads = threads;
        ASSERT_EQ(gen::write_model_file(path, tiny.writer, tiny.fills, opts), "");
        const std::vector<uint8_t> bytes = read_file(path);
        if (first.empty()) first = bytes;
        EXPECT_TRUE(bytes == first) << threads << " threads";
        std::remove(path.c_str());
    }
    EXPECT_TRUE(first == tiny.image(true));
}

TEST(GenModel, SeedsChangeWeightsNotLayout) {
    const std::vector<uint8_t> a = TinyModel(GgmlType::kQ4_0, false, 1).image(true);
    const std::vector<uint8_t> b = TinyModel(GgmlType::kQ4_0, false, 2).image(true);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_FALSE(a == b);
    const size_t header = TinyModel().writer.header_bytes().size();
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + (ptrdiff_t)header, b.begin()));
}

TEST(GenModel, ParallelFillEqualsSerialFill) {
    gen::TensorFill f;
    f.stream_key = gen::fill_key(3, "blk.0.ffn_up_exps.weight");
    f.type = GgmlType::kQ4_0;
    f.ne0 = 256;
    const uint64_t rows = 1000, row_bytes = *model::row_bytes(f.type, f.ne0);
    std::vector<uint8_t> serial(rows * row_bytes), parallel(rows * row_bytes);
    gen::fill_rows(f, 0, rows, serial.data());
    gen::fill_rows_parallel(f, 0, rows, parallel.data(), 7);
    EXPECT_TRUE(serial == parallel);
    // A sub-range starting at an odd element index still matches element-wise values.
    f.type = GgmlType::kF32;
    f.ne0 = 5;
    float row[5];
    gen::fill_rows(f, 3, 4, reinterpret_cast<uint8_t *>(row));
    for (int j = 0; j < 5; ++j) EXPECT_EQ(row[j], gen::fill_value(f, 15 + j));
}

TEST(GenModel, WeightScalesKeepActivationsOrderOne) {
    TinyModel tiny(GgmlType::kF32);
    const std::vector<uint8_t> image = tiny.image(true);
    auto m = load_image(image);
    ASSERT_TRUE(m.is_ok()) << m.status().message();
    auto stats = [&](const model::TensorInfo *t, double *mean, double *std_dev) {
        const float *x = reinterpret_cast<const float *>(m.value()->data(*t));
        double s = 0, s2 = 0;
        const uint64_t n = t->n_elements();
        for (uint64_t i = 0; i < n; ++i) { s += x[i]; s2 += (double)x[i] * x[i]; }
        *mean = s / n;
        *std_dev = std::sqrt(s2 / n - *mean * *mean);
    };
    double mean, sd;
    stats(m.value()->layers[0].attn_q, &mean, &sd);
    EXPECT_NEAR(sd, 1.0 / std::sqrt(128.0), 0.05 / std::sqrt(128.0));
    EXPECT_NEAR(mean, 0.0, 0.01);
    stats(m.value()->layers[1].ffn_down_exps, &mean, &sd);
    EXPECT_NEAR(sd, 1.0 / std::sqrt(64.0), 0.05 / std::sqrt(64.0));
    stats(m.value()->layers[0].ffn_gate_inp, &mean, &sd);
    EXPECT_NEAR(sd, 2.0 / std::sqrt(128.0), 0.1 / std::sqrt(128.0));
    stats(m.value()->layers[0].attn_norm, &mean, &sd);
    EXPECT_NEAR(mean, 1.0, 0.02);
    EXPECT_LT(sd, 0.1);
}

TEST(GenModel, VocabularyIsConsistent) {
    for (uint32_t n_vocab : {8u, 300u, 512u, 151936u}) {
        const gen::Vocab v = gen::make_vocab(n_vocab);
        ASSERT_EQ(v.tokens.size(), n_vocab);
        ASSERT_EQ(v.token_types.size(), n_vocab);
        const std::set<std::string> unique(v.tokens.begin(), v.tokens.end());
        EXPECT_EQ(unique.size(), n_vocab) << "duplicate tokens";
        for (const std::string &m : v.merges) {
            const size_t sp = m.find(' ');
            ASSERT_NE(sp, std::string::npos);
            const std::string l = m.substr(0, sp), r = m.substr(sp + 1);
            EXPECT_TRUE(unique.count(l) && unique.count(r) && unique.count(l + r)) << m;
        }
        EXPECT_EQ(v.tokens[v.eos_id], "<|im_end|>");
        EXPECT_EQ(v.tokens[v.bos_id], "<|endoftext|>");
        EXPECT_EQ(v.token_types[v.eos_id], 3);
        EXPECT_EQ(v.token_types[0], 1);
    }
    const gen::Vocab v = gen::make_vocab(512);
    EXPECT_EQ(v.tokens[0], "!");
    EXPECT_EQ(v.tokens[188 + 32], "\xc4\xa0");  // GPT-2's "Ġ" for the space byte
}

TEST(GenModel, VocabularyMergesAreLearnedFromTheCorpus) {
    const gen::Vocab v = gen::make_vocab(512);
    EXPECT_EQ(gen::make_vocab(512).merges, v.merges) << "not deterministic";
    // Every merge of the tiny vocabulary was learned (253 new pieces after the 256 byte tokens), in rank order:
    // the piece of merge i is token 256 + i.
    ASSERT_EQ(v.merges.size(), 512u - 256u - 3u);
    for (size_t i = 0; i < v.merges.size(); ++i) {
        const std::string &m = v.merges[i];
        const size_t sp = m.find(' ');
        EXPECT_EQ(v.tokens[256 + i], m.substr(0, sp) + m.substr(sp + 1)) << "merge " << i << " '" << m << "'";
    }
    // The corpus' most frequent word, " the" (GPT-2 form "\xc4\xa0the"), became one token; so did " and".
    text::VocabData data{v.tokens, v.token_types, v.merges, (int32_t)v.bos_id, (int32_t)v.eos_id};
    auto tok = text::Tokenizer::create(data);
    ASSERT_TRUE(tok.is_ok()) << tok.status().message();
    for (const char *word : {" the", " and", "the"}) {
        std::vector<int32_t> ids;
        ASSERT_TRUE(tok.value()->tokenize(word, false, &ids).is_ok());
        EXPECT_EQ(ids.size(), 1u) << word;
    }
}

gen::GenOptions parse_ok(std::vector<std::string> args) {
    args.insert(args.begin(), "moevk-gen-model");
    std::vector<char *> argv;
    for (std::string &a : args) argv.push_back(a.data());
    gen::GenOptions o;
    const std::string err = gen::parse_args((int)argv.size(), argv.data(), &o);
    EXPECT_EQ(err, "");
    return o;
}

std::string parse_err(std::vector<std::string> args) {
    args.insert(args.begin(), "moevk-gen-model");
    std::vector<char *> argv;
    for (std::string &a : args) argv.push_back(a.data());
    gen::GenOptions o;
    return gen::parse_args((int)argv.size(), argv.data(), &o);
}

TEST(GenModelCli, ParsesPresetsAndOverrides) {
    gen::GenOptions o = parse_ok({"--preset", "qwen3-30b-a3b", "--type", "q8_0", "--n-layer", "4", "--out=/tmp/x",
                                  "--seed", "9", "--tie-output"});
    EXPECT_EQ(o.spec.n_layer, 4u);
    EXPECT_EQ(o.spec.n_embd, 2048u);
    EXPECT_EQ(o.spec.n_expert, 128u);
    EXPECT_EQ(o.spec.n_vocab, 151936u);
    EXPECT_EQ(o.types.base, GgmlType::kQ8_0);
    EXPECT_FALSE(o.types.q4_k_m);
    EXPECT_EQ(o.seed, 9u);
    EXPECT_TRUE(o.spec.tie_output);
    EXPECT_EQ(o.out_path, "/tmp/x");
}

// The Q4_K_M mix as weight_types.h states it: output Q6_K; attn_v / ffn_down Q6_K in use_more_bits layers
// (of 2 layers: layer 1), Q4_K elsewhere; hybrid attn_qkv Q5_K; rows of partial super-blocks Q8_0.
TEST(GenModelCli, Q4KMixChoosesPerTensorTypes) {
    gen::GenOptions o = parse_ok({"--type", "q4_k_m", "--out", "x", "--n-embd", "256", "--n-ff-exp", "256"});
    const gen::WeightTypes &t = o.types;
    EXPECT_TRUE(t.q4_k_m);
    EXPECT_EQ(t.name(), "q4_K_M");
    EXPECT_EQ(t.file_type(), 15u);
    EXPECT_EQ(t.for_matrix("output.weight", 256, 2), GgmlType::kQ6_K);
    EXPECT_EQ(t.for_matrix("token_embd.weight", 256, 2), GgmlType::kQ4_K);
    EXPECT_EQ(t.for_matrix("blk.0.attn_v.weight", 256, 2), GgmlType::kQ4_K);
    EXPECT_EQ(t.for_matrix("blk.1.attn_v.weight", 256, 2), GgmlType::kQ6_K);
    EXPECT_EQ(t.for_matrix("blk.0.ffn_down_exps.weight", 256, 2), GgmlType::kQ4_K);
    EXPECT_EQ(t.for_matrix("blk.1.ffn_down_exps.weight", 256, 2), GgmlType::kQ6_K);
    EXPECT_EQ(t.for_matrix("blk.1.attn_q.weight", 256, 2), GgmlType::kQ4_K);
    EXPECT_EQ(t.for_matrix("blk.0.attn_qkv.weight", 256, 4), GgmlType::kQ5_K);
    EXPECT_EQ(t.for_matrix("blk.1.attn_v.weight", 128, 2), GgmlType::kQ8_0);  // fallback: half a super-block
    // 8 layers: the first and last eighth (0, 7) and every third after the first eighth (3, 6)
    for (int layer = 0; layer < 8; ++layer) {
        const bool more = layer == 0 || layer == 3 || layer == 6 || layer == 7;
        EXPECT_EQ(t.for_matrix("blk." + std::to_string(layer) + ".ffn_down_exps.weight", 512, 8),
                  more ? GgmlType::kQ6_K : GgmlType::kQ4_K) << layer;
    }
    EXPECT_EQ(parse_ok({"--type", "Q6_K", "--out", "x", "--n-embd", "256", "--n-ff-exp", "256", "--n-head", "8"})
                  .types.for_matrix("blk.0.attn_q.weight", 256, 2),
              GgmlType::kQ6_K);
}

TEST(GenModelCli, RefusesBadArguments) {
    EXPECT_NE(parse_err({"--preset", "tiny"}).find("--out"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--preset", "huge"}).find("huge"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--type", "q3_K"}).find("q3_K"), std::string::npos);
    // the tiny preset's 128-wide rows are not whole K-quant super-blocks
    EXPECT_NE(parse_err({"--out", "x", "--type", "q4_K"}).find("multiple of 256"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--n-embd", "12x"}).find("--n-embd"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--n-embd", "-1"}).find("--n-embd"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--n-embd", "100"}).find("multiple of 32"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--n-head-kv", "3"}).find("--n-head-kv"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--n-expert-used", "17"}).find("--n-expert-used"), std::string::npos);
    EXPECT_NE(parse_err({"--out", "x", "--bogus"}).find("--bogus"), std::string::npos);
    EXPECT_NE(parse_err({"--out"}).find("needs a value"), std::string::npos);
    EXPECT_EQ(parse_err({"--out", "x", "--type", "f32", "--n-embd", "100", "--head-dim", "30", "--n-head", "4",
                         "--n-head-kv", "2"}), "");  // float types take any even head dim and any width
}

}  // namespace
}  // namespace moevk::test
