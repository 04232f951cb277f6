// qwen3next_load_test.cpp — the hybrid loaders (qwen3next, qwen35moe): generated files load with the layer
// pattern, head mapping and tensors of docs/hybrid-models.md; every key and shape is checked with a message
// naming it; files moevk cannot run yet (MTP blocks, per-layer pattern arrays) are refused clearly.
#include "format_test_util.h"
#include "gen_model/cli.h"
#include "gen_model/qwen3next_layout.h"

namespace moevk::test {
namespace {

using model::GgmlType;

struct TinyHybrid {
    gen::GgufWriter writer;
    explicit TinyHybrid(const std::string &arch, GgmlType type = GgmlType::kQ8_0) {
        gen::declare_qwen3next(*gen::preset_spec("tiny", arch), type, 7, writer);
    }
    std::vector<uint8_t> image() const { return writer.build_image(); }
    void redeclare(const std::string &name, GgmlType type, std::vector<uint64_t> ne) {
        writer.remove_tensor(name);
        writer.add_tensor(name, (uint32_t)type, std::move(ne));
    }
    void set_u32(const std::string &key, uint32_t v) {
        writer.remove_key(key);
        writer.add_u32(key, v);
    }
};

class HybridLoad : public ::testing::TestWithParam<std::string> {};

TEST_P(HybridLoad, TinyModelHasTheHybridShape) {
    const std::string arch = GetParam();
    TinyHybrid tiny(arch);
    const std::vector<uint8_t> image = tiny.image();
    auto m = load_image(image);
    ASSERT_TRUE(m.is_ok()) << m.status().message();
    const model::HParams &hp = m.value()->hp;
    EXPECT_EQ(hp.arch, arch == "qwen3next" ? model::Arch::kQwen3Next : model::Arch::kQwen35Moe);
    EXPECT_EQ(hp.arch_name, arch);
    EXPECT_TRUE(hp.is_hybrid());
    EXPECT_EQ(hp.n_layer, 4u);
    EXPECT_EQ(hp.full_attn_interval, 4u);
    EXPECT_EQ(hp.recurrent, (std::vector<bool>{true, true, true, false}));
    EXPECT_EQ(hp.n_rot, 8u);
    EXPECT_EQ(hp.head_dim_k, 32u);
    EXPECT_EQ(hp.n_ff_shexp, 64u);
    EXPECT_EQ(hp.ssm_d_conv, 4u);
    EXPECT_EQ(hp.ssm_n_k_heads, 2u);
    EXPECT_EQ(hp.ssm_n_v_heads, 4u);
    EXPECT_EQ(hp.ssm_head_dim, 32u);
    EXPECT_EQ(hp.ssm_conv_dim(), 2u * 64 + 128);
    EXPECT_EQ(hp.rope_freq_base, 1e7f);
    for (uint32_t il = 0; il < 4; ++il) {
        const model::LayerWeights &L = m.value()->layers[il];
        SCOPED_TRACE(il);
        EXPECT_NE(L.attn_norm, nullptr);
        EXPECT_EQ(L.ffn_norm->name, "blk." + std::to_string(il) + ".post_attention_norm.weight");
        EXPECT_NE(L.ffn_down_shexp, nullptr);
        EXPECT_EQ(L.ffn_gate_inp_shexp->ne[0], 128u);
        if (hp.is_recurrent(il)) {
            EXPECT_EQ(L.attn_q, nullptr);
            EXPECT_EQ(L.ssm_conv1d->ne[0], 4u);
            EXPECT_EQ(L.ssm_a->name, "blk." + std::to_string(il) + ".ssm_a");
            EXPECT_EQ(L.ssm_dt_bias->name, "blk." + std::to_string(il) + ".ssm_dt.bias");
            EXPECT_EQ(L.ssm_ba != nullptr, arch == "qwen3next");
            EXPECT_EQ(L.ssm_beta != nullptr, arch == "qwen35moe");
            EXPECT_EQ(L.ssm_alpha != nullptr, arch == "qwen35moe");
        } else {
            EXPECT_EQ(L.ssm_qkv, nullptr);
            EXPECT_EQ(L.attn_q->ne[1], 2u * 4 * 32);  // query and gate per head
        }
    }
    // Value heads 0..3 over 2 key heads: grouped (qwen3next) vs tiled (qwen35moe's converter reorder).
    const std::vector<uint32_t> expected = arch == "qwen3next" ? std::vector<uint32_t>{0, 0, 1, 1}
                                                                : std::vector<uint32_t>{0, 1, 0, 1};
    for (uint32_t v = 0; v < 4; ++v) EXPECT_EQ(hp.ssm_k_head_of(v), expected[v]) << v;
}

TEST_P(HybridLoad, BuildTimeFileLoads) {
    const std::string path = std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + GetParam() + "-f32.gguf";
    auto m = model::load_model(path);
    ASSERT_TRUE(m.is_ok()) << m.status().message();
    EXPECT_EQ(m.value()->hp.arch_name, GetParam());
    EXPECT_EQ(m.value()->hp.n_vocab, 512u);
}

TEST_P(HybridLoad, WrongShapesNameTheTensor) {
    const std::string arch = GetParam();
    struct Case { const char *name; GgmlType type; std::vector<uint64_t> ne; const char *expected; };
    const Case cases[] = {
        {"blk.0.ssm_conv1d.weight", GgmlType::kF32, {3, 256}, "expected [4, 256]"},
        {"blk.1.attn_qkv.weight", GgmlType::kQ8_0, {128, 192}, "expected [128, 256]"},
        {"blk.2.ssm_a", GgmlType::kF32, {2}, "expected [4]"},
        {"blk.0.ssm_dt.bias", GgmlType::kF32, {8}, "expected [4]"},
        {"blk.0.ssm_norm.weight", GgmlType::kF32, {64}, "expected [32]"},
        {"blk.0.ssm_out.weight", GgmlType::kQ8_0, {64, 128}, "expected [128, 128]"},
        {"blk.3.attn_q.weight", GgmlType::kQ8_0, {128, 128}, "expected [128, 256]"},
        {"blk.3.ffn_down_shexp.weight", GgmlType::kQ8_0, {128, 64}, "expected [64, 128]"},
        {"blk.1.ffn_gate_inp_shexp.weight", GgmlType::kF32, {128, 2}, "expected [128]"},
    };
    for (const Case &c : cases) {
        TinyHybrid tiny(arch);
        tiny.redeclare(c.name, c.type, c.ne);
        EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat,
                              {std::string("'") + c.name + "'", c.expected}));
    }
    TinyHybrid ba(arch);
    const char *name = arch == "qwen3next" ? "blk.0.ssm_ba.weight" : "blk.0.ssm_alpha.weight";
    ba.redeclare(name, GgmlType::kQ8_0, {128, 6});
    EXPECT_TRUE(has_error(load_status(ba.image()), StatusCode::kBadFormat,
                          {std::string("'") + name + "'", arch == "qwen3next" ? "expected [128, 8]" : "expected [128, 4]"}));
}

TEST_P(HybridLoad, MissingAndForeignTensors) {
    const std::string arch = GetParam();
    TinyHybrid missing(arch);
    missing.writer.remove_tensor("blk.2.attn_gate.weight");
    EXPECT_TRUE(has_error(load_status(missing.image()), StatusCode::kBadFormat, {"missing required tensor 'blk.2.attn_gate.weight'"}));
    // The other architecture's beta/alpha layout is not silently accepted.
    TinyHybrid foreign(arch);
    if (arch == "qwen3next") {
        foreign.writer.remove_tensor("blk.0.ssm_ba.weight");
        foreign.writer.add_tensor("blk.0.ssm_beta.weight", (uint32_t)GgmlType::kQ8_0, {128, 4});
        EXPECT_TRUE(has_error(load_status(foreign.image()), StatusCode::kBadFormat, {"'blk.0.ssm_ba.weight'"}));
    } else {
        foreign.writer.add_tensor("blk.0.ssm_ba.weight", (uint32_t)GgmlType::kQ8_0, {128, 8});
        EXPECT_TRUE(has_error(load_status(foreign.image()), StatusCode::kBadFormat,
                              {"unexpected tensor 'blk.0.ssm_ba.weight'", "qwen35moe"}));
    }
    TinyHybrid no_post(arch);
    no_post.writer.remove_tensor("blk.3.post_attention_norm.weight");
    EXPECT_TRUE(has_error(load_status(no_post.image()), StatusCode::kBadFormat, {"'blk.3.post_attention_norm.weight'"}));
    TinyHybrid quant_conv(arch);
    quant_conv.redeclare("blk.0.ssm_conv1d.weight", GgmlType::kQ8_0, {4, 256});
    EXPECT_FALSE(load_status(quant_conv.image()).is_ok());
}

TEST_P(HybridLoad, KeysAreCheckedWithTheirNames) {
    const std::string arch = GetParam();
    const std::string a = arch + ".";
    for (const char *key : {"ssm.conv_kernel", "ssm.state_size", "ssm.group_count", "ssm.time_step_rank",
                            "ssm.inner_size", "expert_shared_feed_forward_length", "attention.key_length"}) {
        TinyHybrid tiny(arch);
        ASSERT_TRUE(tiny.writer.remove_key(a + key)) << key;
        EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat,
                              {"missing required metadata key '" + a + key + "'"}));
    }
    struct Case { const char *key; uint32_t value; const char *needle; };
    const Case cases[] = {
        {"ssm.inner_size", 96, "ssm.inner_size 96 is not"},
        {"ssm.group_count", 3, "is not a multiple of"},
        {"rope.dimension_count", 7, "rope.dimension_count 7 must be even"},
        {"rope.dimension_count", 40, "rope.dimension_count' = 40 is out of range [1, 32]"},
        {"attention.value_length", 16, "value_length 16 differs"},
        {"full_attention_interval", 0, "full_attention_interval' = 0"},
    };
    for (const Case &c : cases) {
        TinyHybrid tiny(arch);
        tiny.set_u32(a + c.key, c.value);
        EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat, {c.needle})) << c.key;
    }
}

TEST_P(HybridLoad, IntervalDecidesWhichLayersAreRecurrent) {
    const std::string arch = GetParam();
    TinyHybrid tiny(arch);  // interval 2 makes layer 1 attention: its tensors are then the wrong ones
    tiny.set_u32(arch + ".full_attention_interval", 2);
    EXPECT_TRUE(has_error(load_status(tiny.image()), StatusCode::kBadFormat, {"'blk.1.attn_q.weight'"}));
}

TEST_P(HybridLoad, UnsupportedVariantsAreRefused) {
    const std::string arch = GetParam();
    TinyHybrid mtp(arch);
    mtp.writer.add_u32(arch + ".nextn_predict_layers", 1);
    EXPECT_TRUE(has_error(load_status(mtp.image()), StatusCode::kUnsupported, {"nextn_predict_layers"}));
    TinyHybrid pattern(arch);
    pattern.writer.add_i32_array(arch + ".attention.recurrent_layers", {1, 1, 1, 0});
    EXPECT_TRUE(has_error(load_status(pattern.image()), StatusCode::kUnsupported, {"recurrent_layers"}));
}

INSTANTIATE_TEST_SUITE_P(Archs, HybridLoad, ::testing::Values("qwen3next", "qwen35moe"));

TEST(GenModelHybrid, CommandLineArchAndPresets) {
    auto parse = [](std::vector<const char *> args, gen::GenOptions *o) {
        args.insert(args.begin(), "moevk-gen-model");
        return gen::parse_args((int)args.size(), const_cast<char **>(args.data()), o);
    };
    gen::GenOptions o;
    EXPECT_EQ(parse({"--arch", "qwen35moe", "--out", "/tmp/x"}, &o), "");
    EXPECT_EQ(o.spec.arch, "qwen35moe");
    EXPECT_EQ(o.spec.n_layer, 4u);
    gen::GenOptions big;
    EXPECT_EQ(parse({"--preset", "qwen3.6-35b-a3b", "--out", "/tmp/x"}, &big), "");
    EXPECT_EQ(big.spec.arch, "qwen35moe");
    EXPECT_EQ(big.spec.n_layer, 40u);
    EXPECT_EQ(big.spec.n_expert, 256u);
    EXPECT_EQ(big.spec.n_expert_used, 8u);
    EXPECT_EQ(big.spec.n_rot, 64u);
    EXPECT_EQ(big.spec.ssm_n_v_heads, 32u);
    gen::GenOptions bad;
    EXPECT_NE(parse({"--arch", "llama", "--out", "/tmp/x"}, &bad).find("--arch 'llama'"), std::string::npos);
    EXPECT_NE(parse({"--arch", "qwen3next", "--preset", "qwen3.6-35b-a3b", "--out", "/tmp/x"}, &bad).find("qwen35moe"),
              std::string::npos);
    gen::GenOptions plain;  // default stays qwen3moe
    EXPECT_EQ(parse({"--out", "/tmp/x"}, &plain), "");
    EXPECT_EQ(plain.spec.arch, "qwen3moe");
}

}  // namespace
}  // namespace moevk::test
