// qwen3moe_load_test.cpp — the qwen3moe loader: generated models of every type load with the exact
// hyper-parameters and tensor table; tied output; and each broken key or tensor is refused by name.
#include "format_test_util.h"

namespace moevk::test {
namespace {

using model::GgmlType;

const GgmlType kAllTypes[] = {GgmlType::kF32, GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0};

void expect_tiny_hparams(const model::Model &m) {
    const model::HParams &hp = m.hp;
    EXPECT_EQ(hp.arch, model::Arch::kQwen3Moe);
    EXPECT_EQ(hp.arch_name, "qwen3moe");
    EXPECT_EQ(hp.model_name, "moevk-tiny-qwen3moe");
    EXPECT_EQ(hp.n_vocab, 512u);
    EXPECT_EQ(hp.n_ctx_train, 512u);
    EXPECT_EQ(hp.n_embd, 128u);
    EXPECT_EQ(hp.n_layer, 2u);
    EXPECT_EQ(hp.n_head, 4u);
    EXPECT_EQ(hp.n_head_kv, 2u);
    EXPECT_EQ(hp.head_dim_k, 32u);
    EXPECT_EQ(hp.head_dim_v, 32u);
    EXPECT_EQ(hp.n_expert, 16u);
    EXPECT_EQ(hp.n_expert_used, 4u);
    EXPECT_EQ(hp.n_ff_exp, 64u);
    EXPECT_EQ(hp.rms_eps, 1e-6f);
    EXPECT_EQ(hp.rope_freq_base, 1e6f);
    EXPECT_TRUE(hp.norm_topk_prob);
    EXPECT_EQ(hp.eos_token, 511);  // <|im_end|>
    EXPECT_EQ(hp.bos_token, 509);  // <|endoftext|>
}

void expect_tiny_tensors(const model::Model &m, GgmlType type) {
    ASSERT_NE(m.token_embd, nullptr);
    EXPECT_EQ(m.token_embd->type, type);
    EXPECT_EQ(m.output_norm->type, GgmlType::kF32);
    ASSERT_EQ(m.layers.size(), 2u);
    for (const model::LayerWeights &L : m.layers) {
        for (const model::TensorInfo *t : {L.attn_q, L.attn_k, L.attn_v, L.attn_output, L.ffn_gate_exps,
                                           L.ffn_up_exps, L.ffn_down_exps}) {
            EXPECT_EQ(t->type, type) << t->name;
        }
        for (const model::TensorInfo *t : {L.attn_norm, L.attn_q_norm, L.attn_k_norm, L.ffn_norm, L.ffn_gate_inp}) {
            EXPECT_EQ(t->type, GgmlType::kF32) << t->name;
        }
    }
    EXPECT_EQ(m.layers[1].attn_k->name, "blk.1.attn_k.weight");
    EXPECT_EQ(m.layers[1].attn_k->ne[1], 64u);
    EXPECT_EQ(m.layers[0].ffn_down_exps->ne[0], 64u);
    EXPECT_EQ(m.layers[0].ffn_down_exps->ne[1], 128u);
    EXPECT_EQ(m.layers[0].ffn_down_exps->ne[2], 16u);
    EXPECT_EQ(m.layers[0].ffn_gate_exps->slice_bytes() * 16, m.layers[0].ffn_gate_exps->size_bytes);
    EXPECT_EQ(m.data(*m.token_embd), m.file->mapped_base() + m.token_embd->file_offset);
}

// The build writes test_models/tiny-<type>.gguf with seed 7 (tools/CMakeLists.txt).
TEST(Qwen3MoeLoad, GeneratedFilesOfEveryTypeLoad) {
    for (GgmlType type : kAllTypes) {
        const std::string path = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + model::type_name((uint32_t)type) + ".gguf";
        SCOPED_TRACE(path);
        auto m = model::load_model(path);
        ASSERT_TRUE(m.is_ok()) << m.status().message();
        expect_tiny_hparams(*m.value());
        expect_tiny_tensors(*m.value(), type);
        EXPECT_NE(m.value()->output, m.value()->token_embd);
        EXPECT_EQ(m.value()->output->name, "output.weight");
    }
}

TEST(Qwen3MoeLoad, InMemoryImagesOfEveryTypeLoad) {
    for (GgmlType type : kAllTypes) {
        TinyModel tiny(type);
        const std::vector<uint8_t> image = tiny.image(true);
        auto m = load_image(image);
        ASSERT_TRUE(m.is_ok()) << m.status().message();
        expect_tiny_hparams(*m.value());
        expect_tiny_tensors(*m.value(), type);
    }
}

TEST(Qwen3MoeLoad, TiedOutputPointsAtTokenEmbd) {
    TinyModel tiny(GgmlType::kQ8_0, /*tie_output=*/true);
    const std::vector<uint8_t> image = tiny.image();
    auto m = load_image(image);
    ASSERT_TRUE(m.is_ok()) << m.status().message();
    EXPECT_EQ(m.value()->output, m.value()->token_embd);
    EXPECT_EQ(m.value()->file->find_tensor("output.weight"), nullptr);
}

TEST(Qwen3MoeLoad, OptionalKeysTakeLlamaCppDefaults) {
    TinyModel tiny;
    tiny.writer.remove_key("qwen3moe.rope.freq_base");
    tiny.writer.remove_key("qwen3moe.attention.key_length");
    tiny.writer.remove_key("qwen3moe.attention.value_length");  // default n_embd / n_head = 32
    tiny.writer.remove_key("general.name");
    tiny.writer.remove_key("tokenizer.ggml.eos_token_id");
    const std::vector<uint8_t> image = tiny.image();
    auto m = load_image(image);
    ASSERT_TRUE(m.is_ok()) << m.status().message();
    EXPECT_EQ(m.value()->hp.rope_freq_base, 10000.0f);
    EXPECT_EQ(m.value()->hp.head_dim_k, 32u);
    EXPECT_EQ(m.value()->hp.model_name, "");
    EXPECT_EQ(m.value()->hp.eos_token, -1);
}

TEST(Qwen3MoeLoad, MissingTensor) {
    TinyModel tiny;
    tiny.writer.remove_tensor("blk.1.attn_k.weight");
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat,
                          {"test.gguf", "missing required tensor 'blk.1.attn_k.weight'"}));
}

TEST(Qwen3MoeLoad, WrongShape) {
    TinyModel tiny;
    tiny.redeclare("blk.0.ffn_down_exps.weight", (uint32_t)GgmlType::kQ4_0, {128, 64, 16});  // gate's shape
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat,
                          {"'blk.0.ffn_down_exps.weight'", "[128, 64, 16]", "expected [64, 128, 16]"}));
    TinyModel wrong_vocab;
    wrong_vocab.redeclare("output.weight", (uint32_t)GgmlType::kQ4_0, {128, 500});
    EXPECT_TRUE(has_error(load_status(wrong_vocab.image()), StatusCode::kBadFormat, {"'output.weight'", "[128, 512]"}));
    TinyModel embd;
    embd.redeclare("token_embd.weight", (uint32_t)GgmlType::kQ4_0, {96, 512});
    EXPECT_TRUE(has_error(load_status(embd.image()), StatusCode::kBadFormat, {"'token_embd.weight'", "[96, 512]"}));
}

TEST(Qwen3MoeLoad, UnexpectedTensor) {
    TinyModel tiny;
    tiny.writer.add_tensor("blk.2.attn_norm.weight", (uint32_t)GgmlType::kF32, {128});
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat, {"unexpected tensor 'blk.2.attn_norm.weight'"}));
}

TEST(Qwen3MoeLoad, QuantisedNormIsUnsupported) {
    TinyModel tiny;
    tiny.redeclare("blk.0.attn_norm.weight", (uint32_t)GgmlType::kQ8_0, {128});
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kUnsupported, {"'blk.0.attn_norm.weight'", "q8_0"}));
}

TEST(Qwen3MoeLoad, MissingRequiredKey) {
    for (const char *key : {"qwen3moe.expert_count", "qwen3moe.block_count", "qwen3moe.embedding_length",
                            "qwen3moe.attention.layer_norm_rms_epsilon", "qwen3moe.expert_feed_forward_length"}) {
        TinyModel tiny;
        ASSERT_TRUE(tiny.writer.remove_key(key));
        EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat,
                              {std::string("missing required metadata key '") + key + "'"}));
    }
    TinyModel no_arch;
    no_arch.writer.remove_key("general.architecture");
    EXPECT_TRUE(has_error(load_status(no_arch.image()), StatusCode::kBadFormat, {"'general.architecture'"}));
}

TEST(Qwen3MoeLoad, WrongKeyType) {
    TinyModel tiny;
    tiny.writer.remove_key("qwen3moe.block_count");
    tiny.writer.add_string("qwen3moe.block_count", "2");
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat, {"'qwen3moe.block_count'", "string"}));
    TinyModel arch;
    arch.writer.remove_key("general.architecture");
    arch.writer.add_u32("general.architecture", 3);
    EXPECT_TRUE(has_error(load_status(arch.image()), StatusCode::kBadFormat, {"'general.architecture'", "u32"}));
    TinyModel eps;
    eps.writer.remove_key("qwen3moe.attention.layer_norm_rms_epsilon");
    eps.writer.add_string("qwen3moe.attention.layer_norm_rms_epsilon", "1e-6");
    EXPECT_TRUE(has_error(load_status(eps.image()), StatusCode::kBadFormat, {"layer_norm_rms_epsilon", "string"}));
}

TEST(Qwen3MoeLoad, UnknownArchitecture) {
    TinyModel tiny;
    tiny.writer.remove_key("general.architecture");
    tiny.writer.add_string("general.architecture", "llama");
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kUnsupported, {"'llama'", "qwen3moe"}));
}

TEST(Qwen3MoeLoad, HyperParametersOutOfRange) {
    struct Case { const char *key; uint32_t value; const char *needle; };
    const Case cases[] = {
        {"qwen3moe.expert_used_count", 17, "qwen3moe.expert_used_count' = 17 is out of range [1, 16]"},
        {"qwen3moe.expert_used_count", 0, "qwen3moe.expert_used_count' = 0"},
        {"qwen3moe.attention.head_count_kv", 3, "head_count_kv 3"},
        {"qwen3moe.attention.head_count_kv", 8, "head_count_kv' = 8 is out of range [1, 4]"},
        {"qwen3moe.attention.key_length", 33, "key_length 33 must be even"},
        {"qwen3moe.block_count", 0, "block_count' = 0"},
        {"qwen3moe.block_count", 1u << 20, "block_count' = 1048576"},
        {"qwen3moe.context_length", 0, "context_length' = 0"},
        {"qwen3moe.embedding_length", 1u << 30, "embedding_length' = 1073741824"},
        {"tokenizer.ggml.eos_token_id", 512, "eos_token_id' = 512 is out of range [0, 511]"},
    };
    for (const Case &c : cases) {
        TinyModel tiny;
        tiny.set_u32(c.key, c.value);
        EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat, {c.needle})) << c.key;
    }
    TinyModel eps;
    eps.writer.remove_key("qwen3moe.attention.layer_norm_rms_epsilon");
    eps.writer.add_f32("qwen3moe.attention.layer_norm_rms_epsilon", -1.0f);
    EXPECT_TRUE(has_error(load_status(eps.image()), StatusCode::kBadFormat, {"layer_norm_rms_epsilon' = -1"}));
}

}  // namespace
}  // namespace moevk::test
