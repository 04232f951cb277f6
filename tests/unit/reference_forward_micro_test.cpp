// reference_forward_micro_test.cpp — reference::Forward against an independent, textbook qwen3moe written
// here (Hugging Face formulation: rotate_half RoPE, repeat_kv GQA, sort-based top-k, whole dequantised
// tensors indexed [expert][row][col]) on a micro model built in memory. Catches layout mistakes (expert
// slices, head grouping, RoPE pairing, norm order) that self-consistency tests cannot see.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "model/ggml_type.h"
#include "model/gguf.h"
#include "model/model.h"
#include "reference/forward.h"
#include "tolerance.h"

namespace moevk::reference {
namespace {

using model::GgmlType;

constexpr uint32_t kEmbd = 64, kHead = 4, kHeadKv = 2, kHeadDim = 16, kExpert = 4, kExpertUsed = 2;
constexpr uint32_t kFf = 32, kVocab = 40, kLayer = 2;
constexpr float kEps = 1e-6f, kFreqBase = 10000.0f;

// Minimal GGUF v3 writer: no metadata, tensors at 32-byte aligned offsets (the default alignment).
class GgufImage {
public:
    void add(const std::string &name, std::vector<uint64_t> ne, GgmlType type, const std::vector<float> &values) {
        std::vector<uint8_t> bytes(*model::row_bytes(type, ne[0]) * (values.size() / ne[0]));
        const uint64_t rb = *model::row_bytes(type, ne[0]);
        for (size_t r = 0; r < values.size() / ne[0]; ++r)
            model::quantize_row(type, values.data() + r * ne[0], bytes.data() + r * rb, ne[0]);
        tensors_.push_back({name, std::move(ne), type, std::move(bytes)});
    }

    std::vector<uint8_t> bytes() const {
        std::vector<uint8_t> out;
        auto put = [&](const void *p, size_t n) { out.insert(out.end(), (const uint8_t *)p, (const uint8_t *)p + n); };
        auto put_u32 = [&](uint32_t v) { put(&v, 4); };
        auto put_u64 = [&](uint64_t v) { put(&v, 8); };
        put("GGUF", 4);
        put_u32(3);
        put_u64(tensors_.size());
        put_u64(0);  // no metadata
        uint64_t offset = 0;
        std::vector<uint64_t> offsets;
        for (const Tensor &t : tensors_) {
            put_u64(t.name.size());
            put(t.name.data(), t.name.size());
            put_u32((uint32_t)t.ne.size());
            for (uint64_t e : t.ne) put_u64(e);
            put_u32((uint32_t)t.type);
            put_u64(offset);
            offsets.push_back(offset);
            offset = (offset + t.bytes.size() + 31) / 32 * 32;
        }
        out.resize((out.size() + 31) / 32 * 32, 0);
        const size_t data_start = out.size();
        for (size_t i = 0; i < tensors_.size(); ++i) {
            out.resize(data_start + offsets[i], 0);
            put(tensors_[i].bytes.data(), tensors_[i].bytes.size());
        }
        return out;
    }

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> ne;
        GgmlType type;
        std::vector<uint8_t> bytes;
    };
    std::vector<Tensor> tensors_;
};

struct MicroModel {
    std::vector<uint8_t> image;  // must outlive model (the tensors point into it)
    std::unique_ptr<model::Model> model;
};

MicroModel build_micro_model(GgmlType matrix_type, bool tied_output, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    auto random = [&](size_t n, float scale, float offset) {
        std::vector<float> v(n);
        for (float &x : v) x = offset + scale * normal(rng);
        return v;
    };
    GgufImage gguf;
    // norm weights are F32 as in real files; matrices take matrix_type
    gguf.add("token_embd.weight", {kEmbd, kVocab}, matrix_type, random(kEmbd * kVocab, 1.0f, 0.0f));
    gguf.add("output_norm.weight", {kEmbd}, GgmlType::kF32, random(kEmbd, 0.1f, 1.0f));
    if (!tied_output) gguf.add("output.weight", {kEmbd, kVocab}, matrix_type, random(kEmbd * kVocab, 0.2f, 0.0f));
    for (uint32_t il = 0; il < kLayer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        gguf.add(p + "attn_norm.weight", {kEmbd}, GgmlType::kF32, random(kEmbd, 0.1f, 1.0f));
        gguf.add(p + "attn_q.weight", {kEmbd, kHead * kHeadDim}, matrix_type, random(kEmbd * kHead * kHeadDim, 0.15f, 0));
        gguf.add(p + "attn_k.weight", {kEmbd, kHeadKv * kHeadDim}, matrix_type, random(kEmbd * kHeadKv * kHeadDim, 0.15f, 0));
        gguf.add(p + "attn_v.weight", {kEmbd, kHeadKv * kHeadDim}, matrix_type, random(kEmbd * kHeadKv * kHeadDim, 0.15f, 0));
        gguf.add(p + "attn_output.weight", {kHead * kHeadDim, kEmbd}, matrix_type, random(kHead * kHeadDim * kEmbd, 0.15f, 0));
        gguf.add(p + "attn_q_norm.weight", {kHeadDim}, GgmlType::kF32, random(kHeadDim, 0.1f, 1.0f));
        gguf.add(p + "attn_k_norm.weight", {kHeadDim}, GgmlType::kF32, random(kHeadDim, 0.1f, 1.0f));
        gguf.add(p + "ffn_norm.weight", {kEmbd}, GgmlType::kF32, random(kEmbd, 0.1f, 1.0f));
        gguf.add(p + "ffn_gate_inp.weight", {kEmbd, kExpert}, GgmlType::kF32, random(kEmbd * kExpert, 0.5f, 0));
        gguf.add(p + "ffn_gate_exps.weight", {kEmbd, kFf, kExpert}, matrix_type, random(kEmbd * kFf * kExpert, 0.15f, 0));
        gguf.add(p + "ffn_up_exps.weight", {kEmbd, kFf, kExpert}, matrix_type, random(kEmbd * kFf * kExpert, 0.15f, 0));
        gguf.add(p + "ffn_down_exps.weight", {kFf, kEmbd, kExpert}, matrix_type, random(kFf * kEmbd * kExpert, 0.15f, 0));
    }
    MicroModel micro;
    micro.image = gguf.bytes();
    auto file = model::parse_gguf_memory(micro.image.data(), micro.image.size(), "micro");
    EXPECT_TRUE(file.is_ok()) << file.status().message();
    if (!file.is_ok()) return micro;

    // The tensor table is wired by hand: this tests the forward pass, not the qwen3moe loader.
    auto m = std::make_unique<model::Model>();
    m->file = std::move(file).value();
    model::HParams &hp = m->hp;
    hp.arch_name = "qwen3moe";
    hp.n_vocab = kVocab;
    hp.n_ctx_train = 64;
    hp.n_embd = kEmbd;
    hp.n_layer = kLayer;
    hp.n_head = kHead;
    hp.n_head_kv = kHeadKv;
    hp.head_dim_k = hp.head_dim_v = kHeadDim;
    hp.n_expert = kExpert;
    hp.n_expert_used = kExpertUsed;
    hp.n_ff_exp = kFf;
    hp.rms_eps = kEps;
    hp.rope_freq_base = kFreqBase;
    auto t = [&](const std::string &name) { return m->file->find_tensor(name); };
    m->token_embd = t("token_embd.weight");
    m->output_norm = t("output_norm.weight");
    m->output = tied_output ? m->token_embd : t("output.weight");
    for (uint32_t il = 0; il < kLayer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        m->layers.push_back({t(p + "attn_norm.weight"), t(p + "attn_q.weight"), t(p + "attn_k.weight"),
                             t(p + "attn_v.weight"), t(p + "attn_output.weight"), t(p + "attn_q_norm.weight"),
                             t(p + "attn_k_norm.weight"), t(p + "ffn_norm.weight"), t(p + "ffn_gate_inp.weight"),
                             t(p + "ffn_gate_exps.weight"), t(p + "ffn_up_exps.weight"),
                             t(p + "ffn_down_exps.weight")});
    }
    micro.model = std::move(m);
    return micro;
}

// ---- the independent textbook implementation ----

std::vector<float> dequantize_all(const model::Model &m, const model::TensorInfo *t) {
    std::vector<float> out(t->n_elements());
    model::dequantize_row(t->type, m.data(*t), out.data(), out.size());
    return out;
}

// y = W x with W stored as n_out rows of n_in, starting at row `first_row` of the flat tensor.
std::vector<float> linear(const std::vector<float> &w, size_t first_row, size_t n_out, size_t n_in,
                          const std::vector<float> &x) {
    std::vector<float> y(n_out);
    for (size_t r = 0; r < n_out; ++r) {
        double acc = 0;
        for (size_t c = 0; c < n_in; ++c) acc += (double)w[(first_row + r) * n_in + c] * x[c];
        y[r] = (float)acc;
    }
    return y;
}

std::vector<float> rms_normed(const std::vector<float> &x, const std::vector<float> &w) {
    double ss = 0;
    for (float v : x) ss += (double)v * v;
    const double inv = 1.0 / std::sqrt(ss / x.size() + kEps);
    std::vector<float> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = (float)(x[i] * inv * w[i]);
    return y;
}

// HF apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, with the angles repeated over both halves.
std::vector<float> rotary(const std::vector<float> &x, int pos) {
    const size_t n = x.size(), half = n / 2;
    std::vector<float> y(n);
    for (size_t i = 0; i < n; ++i) {
        const double angle = pos * std::pow((double)kFreqBase, -(double)(2 * (i % half)) / n);
        const double rotated_half = i < half ? -(double)x[i + half] : (double)x[i - half];
        y[i] = (float)(x[i] * std::cos(angle) + rotated_half * std::sin(angle));
    }
    return y;
}

std::vector<std::vector<float>> textbook_forward(const model::Model &m, const std::vector<int32_t> &tokens) {
    const std::vector<float> embd = dequantize_all(m, m.token_embd);
    const std::vector<float> out_w = dequantize_all(m, m.output);
    const std::vector<float> out_norm = dequantize_all(m, m.output_norm);
    // k_cache[layer][pos][kv_head] = head vector
    std::vector<std::vector<std::vector<std::vector<float>>>> k_cache(kLayer), v_cache(kLayer);
    std::vector<std::vector<float>> all_logits;
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
        std::vector<float> x(embd.begin() + tokens[pos] * kEmbd, embd.begin() + (tokens[pos] + 1) * kEmbd);
        for (uint32_t il = 0; il < kLayer; ++il) {
            const model::LayerWeights &L = m.layers[il];
            const std::vector<float> h = rms_normed(x, dequantize_all(m, L.attn_norm));
            const std::vector<float> q = linear(dequantize_all(m, L.attn_q), 0, kHead * kHeadDim, kEmbd, h);
            const std::vector<float> k = linear(dequantize_all(m, L.attn_k), 0, kHeadKv * kHeadDim, kEmbd, h);
            const std::vector<float> v = linear(dequantize_all(m, L.attn_v), 0, kHeadKv * kHeadDim, kEmbd, h);
            const std::vector<float> q_norm = dequantize_all(m, L.attn_q_norm), k_norm = dequantize_all(m, L.attn_k_norm);
            std::vector<std::vector<float>> k_heads, v_heads;
            for (uint32_t g = 0; g < kHeadKv; ++g) {
                std::vector<float> kh(k.begin() + g * kHeadDim, k.begin() + (g + 1) * kHeadDim);
                k_heads.push_back(rotary(rms_normed(kh, k_norm), (int)pos));
                v_heads.emplace_back(v.begin() + g * kHeadDim, v.begin() + (g + 1) * kHeadDim);
            }
            k_cache[il].push_back(k_heads);
            v_cache[il].push_back(v_heads);
            std::vector<float> attn;
            for (uint32_t head = 0; head < kHead; ++head) {
                std::vector<float> qh(q.begin() + head * kHeadDim, q.begin() + (head + 1) * kHeadDim);
                qh = rotary(rms_normed(qh, q_norm), (int)pos);
                const uint32_t g = head / (kHead / kHeadKv);  // repeat_kv
                std::vector<double> p(pos + 1);
                for (size_t j = 0; j <= pos; ++j) {
                    double s = 0;
                    for (uint32_t c = 0; c < kHeadDim; ++c) s += (double)qh[c] * k_cache[il][j][g][c];
                    p[j] = s / std::sqrt((double)kHeadDim);
                }
                const double mx = *std::max_element(p.begin(), p.end());
                double z = 0;
                for (double &pj : p) z += (pj = std::exp(pj - mx));
                for (uint32_t c = 0; c < kHeadDim; ++c) {
                    double acc = 0;
                    for (size_t j = 0; j <= pos; ++j) acc += p[j] / z * v_cache[il][j][g][c];
                    attn.push_back((float)acc);
                }
            }
            const std::vector<float> o = linear(dequantize_all(m, L.attn_output), 0, kEmbd, kHead * kHeadDim, attn);
            for (uint32_t i = 0; i < kEmbd; ++i) x[i] += o[i];

            const std::vector<float> h2 = rms_normed(x, dequantize_all(m, L.ffn_norm));
            const std::vector<float> logits = linear(dequantize_all(m, L.ffn_gate_inp), 0, kExpert, kEmbd, h2);
            std::vector<double> prob(kExpert);
            const double lmax = *std::max_element(logits.begin(), logits.end());
            double lz = 0;
            for (uint32_t e = 0; e < kExpert; ++e) lz += (prob[e] = std::exp((double)logits[e] - lmax));
            for (double &pe : prob) pe /= lz;
            std::vector<int> order(kExpert);
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return prob[a] > prob[b]; });
            double chosen = 0;
            for (uint32_t j = 0; j < kExpertUsed; ++j) chosen += prob[order[j]];
            const std::vector<float> gate_w = dequantize_all(m, L.ffn_gate_exps);
            const std::vector<float> up_w = dequantize_all(m, L.ffn_up_exps);
            const std::vector<float> down_w = dequantize_all(m, L.ffn_down_exps);
            std::vector<double> moe(kEmbd, 0.0);
            for (uint32_t j = 0; j < kExpertUsed; ++j) {
                const int e = order[j];
                const std::vector<float> g = linear(gate_w, (size_t)e * kFf, kFf, kEmbd, h2);
                const std::vector<float> u = linear(up_w, (size_t)e * kFf, kFf, kEmbd, h2);
                std::vector<float> act(kFf);
                for (uint32_t i = 0; i < kFf; ++i) act[i] = (float)(g[i] / (1.0 + std::exp(-(double)g[i])) * u[i]);
                const std::vector<float> y = linear(down_w, (size_t)e * kEmbd, kEmbd, kFf, act);
                for (uint32_t i = 0; i < kEmbd; ++i) moe[i] += prob[e] / chosen * y[i];
            }
            for (uint32_t i = 0; i < kEmbd; ++i) x[i] += (float)moe[i];
        }
        all_logits.push_back(linear(out_w, 0, kVocab, kEmbd, rms_normed(x, out_norm)));
    }
    return all_logits;
}

struct MicroCase {
    GgmlType type;
    bool tied_output;
};

class ReferenceForwardMicro : public ::testing::TestWithParam<MicroCase> {};

TEST_P(ReferenceForwardMicro, MatchesTextbookQwen3Moe) {
    const MicroCase c = GetParam();
    MicroModel micro = build_micro_model(c.type, c.tied_output, 21);
    ASSERT_NE(micro.model, nullptr);
    const std::vector<int32_t> tokens = {3, 17, 39, 0, 22, 17, 5, 11};
    Forward forward(*micro.model, 16);
    const std::vector<float> got = forward.eval(tokens.data(), tokens.size());
    const std::vector<std::vector<float>> expected = textbook_forward(*micro.model, tokens);
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
        const float *a = got.data() + pos * kVocab;
        const float *r = expected[pos].data();
        // same dequantised weights and float64 sums on both sides: only summation order differs
        EXPECT_LE(test::nmse(a, r, kVocab), test::kNmseF32Weights) << "position " << pos;
        EXPECT_EQ(test::argmax(a, kVocab), test::argmax(r, kVocab)) << "position " << pos;
    }
}

TEST(ReferenceForwardMicro, RoutingVariesAcrossPositions) {
    // guards the test above against a degenerate model in which every token picks the same experts
    MicroModel micro = build_micro_model(GgmlType::kF32, false, 21);
    ASSERT_NE(micro.model, nullptr);
    const std::vector<int32_t> tokens = {3, 17, 39, 0, 22, 17, 5, 11};
    std::map<std::vector<int32_t>, int> seen;
    const RoutingHook record = [&](uint32_t, int32_t, Routing &r) { seen[r.ids]++; };
    Forward forward(*micro.model, 16);
    forward.eval(tokens.data(), tokens.size(), record);
    EXPECT_GE(seen.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Types, ReferenceForwardMicro,
                         ::testing::Values(MicroCase{GgmlType::kF32, false}, MicroCase{GgmlType::kF32, true},
                                           MicroCase{GgmlType::kF16, false}, MicroCase{GgmlType::kQ8_0, false},
                                           MicroCase{GgmlType::kQ4_0, true}),
                         [](const ::testing::TestParamInfo<MicroCase> &info) {
                             return model::type_name((uint32_t)info.param.type) +
                                    (info.param.tied_output ? "_tied" : "");
                         });

}  // namespace
}  // namespace moevk::reference
