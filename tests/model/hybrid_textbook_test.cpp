// hybrid_textbook_test.cpp — the reference forward pass of the tiny hybrid models against an independent
// textbook re-implementation written here from docs/hybrid-models.md: whole tensors dequantised up front,
// everything in float64, the HF module order (Qwen3NextGatedDeltaNet: conv, l2norm, q * d_k^-0.5, decay,
// delta rule, RMSNormGated; gated attention; sparse MoE block with a sigmoid-gated shared expert).
// Tier: float32 weights (NMSE per position), argmax equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "model/model.h"
#include "reference/forward.h"
#include "tolerance.h"

namespace moevk::test {
namespace {

using Vec = std::vector<double>;

struct Textbook {
    const model::Model &m;
    const model::HParams &hp;
    int n_past = 0;
    std::vector<std::vector<Vec>> K, V;          // per layer, per position
    std::vector<Vec> conv_hist;                  // per layer: last d_conv-1 inputs, [j][c]
    std::vector<std::vector<Vec>> S;             // per layer, per value head: d_k x d_v

    explicit Textbook(const model::Model &model) : m(model), hp(model.hp), K(hp.n_layer), V(hp.n_layer),
        conv_hist(hp.n_layer), S(hp.n_layer) {
        for (uint32_t il = 0; il < hp.n_layer; ++il) {
            if (!hp.is_recurrent(il)) continue;
            conv_hist[il].assign((size_t)(hp.ssm_d_conv - 1) * hp.ssm_conv_dim(), 0.0);
            S[il].assign(hp.ssm_n_v_heads, Vec((size_t)hp.ssm_head_dim * hp.ssm_head_dim, 0.0));
        }
    }
    Vec w(const model::TensorInfo *t) const {
        std::vector<float> f(t->n_elements());
        model::dequantize_row(t->type, m.data(*t), f.data(), f.size());
        return Vec(f.begin(), f.end());
    }
    // y = W x, W with ne [cols, rows]
    Vec mv(const model::TensorInfo *t, const Vec &x) const {
        const Vec W = w(t);
        const size_t cols = t->ne[0], rows = t->n_elements() / cols;
        Vec y(rows, 0.0);
        for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) y[r] += W[r * cols + c] * x[c];
        return y;
    }
    static Vec rms(const Vec &x, const Vec &g, double eps) {
        double ss = 0;
        for (double v : x) ss += v * v;
        const double s = 1.0 / std::sqrt(ss / x.size() + eps);
        Vec y(x.size());
        for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * s * g[i];
        return y;
    }
    static double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }
    static double silu(double x) { return x * sig(x); }

    Vec attention(uint32_t il, const Vec &h, int pos) {
        const auto &L = m.layers[il];
        const size_t hd = hp.head_dim_k, nh = hp.n_head, nkv = hp.n_head_kv;
        const Vec qg = mv(L.attn_q, h), k = mv(L.attn_k, h), v = mv(L.attn_v, h);
        const Vec qn = w(L.attn_q_norm), kn = w(L.attn_k_norm);
        auto rope = [&](Vec x) {  // NeoX on the first n_rot dims
            const size_t half = hp.n_rot / 2;
            for (size_t i = 0; i < half; ++i) {
                const double th = pos * std::pow((double)hp.rope_freq_base, -2.0 * i / hp.n_rot);
                const double a = x[i], b = x[i + half];
                x[i] = a * std::cos(th) - b * std::sin(th);
                x[i + half] = a * std::sin(th) + b * std::cos(th);
            }
            return x;
        };
        Vec kall, out(nh * hd);
        for (size_t g = 0; g < nkv; ++g) {
            Vec kh = rope(rms(Vec(k.begin() + g * hd, k.begin() + (g + 1) * hd), kn, hp.rms_eps));
            kall.insert(kall.end(), kh.begin(), kh.end());
        }
        K[il].push_back(kall);
        V[il].push_back(v);
        for (size_t head = 0; head < nh; ++head) {
            const Vec q = rope(rms(Vec(qg.begin() + head * 2 * hd, qg.begin() + head * 2 * hd + hd), qn, hp.rms_eps));
            const size_t g = head / (nh / nkv);
            std::vector<double> sc(pos + 1);
            for (int j = 0; j <= pos; ++j) {
                double d = 0;
                for (size_t i = 0; i < hd; ++i) d += q[i] * K[il][j][g * hd + i];
                sc[j] = d / std::sqrt((double)hd);
            }
            const double mx = *std::max_element(sc.begin(), sc.end());
            double sum = 0;
            for (double &s : sc) sum += (s = std::exp(s - mx));
            for (size_t i = 0; i < hd; ++i) {
                double o = 0;
                for (int j = 0; j <= pos; ++j) o += sc[j] / sum * V[il][j][g * hd + i];
                out[head * hd + i] = o * sig(qg[head * 2 * hd + hd + i]);  // sigmoid output gate
            }
        }
        return mv(L.attn_output, out);
    }

    Vec delta_net(uint32_t il, const Vec &h) {
        const auto &L = m.layers[il];
        const size_t dk = hp.ssm_head_dim, nk = hp.ssm_n_k_heads, nv = hp.ssm_n_v_heads, K1 = hp.ssm_d_conv - 1;
        const size_t C = hp.ssm_conv_dim(), kd = nk * dk;
        const Vec qkv = mv(L.ssm_qkv, h), z = mv(L.ssm_gate, h), cw = w(L.ssm_conv1d);
        Vec b(nv), a(nv);
        if (L.ssm_ba) {
            const Vec ba = mv(L.ssm_ba, h);
            const size_t r = nv / nk;
            for (size_t v = 0; v < nv; ++v) {
                b[v] = ba[(v / r) * 2 * r + v % r];
                a[v] = ba[(v / r) * 2 * r + r + v % r];
            }
        } else {
            b = mv(L.ssm_beta, h);
            a = mv(L.ssm_alpha, h);
        }
        Vec conv(C);
        Vec &hist = conv_hist[il];
        for (size_t c = 0; c < C; ++c) {
            double acc = cw[c * (K1 + 1) + K1] * qkv[c];
            for (size_t j = 0; j < K1; ++j) acc += cw[c * (K1 + 1) + j] * hist[j * C + c];
            conv[c] = silu(acc);
        }
        for (size_t j = 0; j + 1 < K1; ++j)
            for (size_t c = 0; c < C; ++c) hist[j * C + c] = hist[(j + 1) * C + c];
        for (size_t c = 0; c < C && K1 > 0; ++c) hist[(K1 - 1) * C + c] = qkv[c];
        auto l2 = [&](size_t off) {
            Vec x(conv.begin() + off, conv.begin() + off + dk);
            double n = 0;
            for (double v : x) n += v * v;
            n = std::max(std::sqrt(n), (double)hp.rms_eps);
            for (double &v : x) v /= n;
            return x;
        };
        const Vec dt = w(L.ssm_dt_bias), A = w(L.ssm_a), nw = w(L.ssm_norm);
        Vec o_all;
        for (size_t v = 0; v < nv; ++v) {
            const size_t kh = hp.arch == model::Arch::kQwen35Moe ? v % nk : v / (nv / nk);
            Vec q = l2(kh * dk), k = l2(kd + kh * dk);
            for (double &x : q) x /= std::sqrt((double)dk);
            const double decay = std::exp(std::log1p(std::exp(a[v] + dt[v])) * A[v]);
            const double beta = sig(b[v]);
            Vec &s = S[il][v];
            for (double &x : s) x *= decay;
            Vec o(dk, 0.0);
            for (size_t j = 0; j < dk; ++j) {
                double kv = 0;
                for (size_t i = 0; i < dk; ++i) kv += s[i * dk + j] * k[i];
                const double delta = beta * (conv[2 * kd + v * dk + j] - kv);
                for (size_t i = 0; i < dk; ++i) s[i * dk + j] += k[i] * delta;
            }
            for (size_t j = 0; j < dk; ++j)
                for (size_t i = 0; i < dk; ++i) o[j] += s[i * dk + j] * q[i];
            o = rms(o, nw, hp.rms_eps);
            for (size_t j = 0; j < dk; ++j) o[j] *= silu(z[v * dk + j]);
            o_all.insert(o_all.end(), o.begin(), o.end());
        }
        return mv(L.ssm_out, o_all);
    }

    Vec ffn(uint32_t il, const Vec &h) {
        const auto &L = m.layers[il];
        const Vec logits = mv(L.ffn_gate_inp, h);
        const double mx = *std::max_element(logits.begin(), logits.end());
        Vec p(logits.size());
        double sum = 0;
        for (size_t e = 0; e < p.size(); ++e) sum += (p[e] = std::exp(logits[e] - mx));
        for (double &x : p) x /= sum;
        std::vector<size_t> ids(p.size());
        std::iota(ids.begin(), ids.end(), 0);
        std::stable_sort(ids.begin(), ids.end(), [&](size_t x, size_t y) { return p[x] > p[y]; });
        double top = 0;
        for (size_t j = 0; j < hp.n_expert_used; ++j) top += p[ids[j]];
        const size_t d = hp.n_embd, ff = hp.n_ff_exp;
        const Vec G = w(L.ffn_gate_exps), U = w(L.ffn_up_exps), D = w(L.ffn_down_exps);
        Vec out(d, 0.0);
        for (size_t j = 0; j < hp.n_expert_used; ++j) {
            const size_t e = ids[j];
            Vec act(ff);
            for (size_t r = 0; r < ff; ++r) {
                double g = 0, u = 0;
                for (size_t c = 0; c < d; ++c) {
                    g += G[(e * ff + r) * d + c] * h[c];
                    u += U[(e * ff + r) * d + c] * h[c];
                }
                act[r] = silu(g) * u;
            }
            for (size_t r = 0; r < d; ++r) {
                double y = 0;
                for (size_t c = 0; c < ff; ++c) y += D[(e * d + r) * ff + c] * act[c];
                out[r] += p[e] / top * y;
            }
        }
        const Vec sg = mv(L.ffn_gate_shexp, h), su = mv(L.ffn_up_shexp, h);
        Vec sact(sg.size());
        for (size_t i = 0; i < sg.size(); ++i) sact[i] = silu(sg[i]) * su[i];
        const Vec sd = mv(L.ffn_down_shexp, sact);
        const double gate = sig(mv(L.ffn_gate_inp_shexp, h)[0]);
        for (size_t i = 0; i < d; ++i) out[i] += gate * sd[i];
        return out;
    }

    Vec step(int32_t token) {
        const Vec E = w(m.token_embd);
        Vec x(E.begin() + (size_t)token * hp.n_embd, E.begin() + (size_t)(token + 1) * hp.n_embd);
        for (uint32_t il = 0; il < hp.n_layer; ++il) {
            const auto &L = m.layers[il];
            const Vec h = rms(x, w(L.attn_norm), hp.rms_eps);
            const Vec a = hp.is_recurrent(il) ? delta_net(il, h) : attention(il, h, n_past);
            for (size_t i = 0; i < x.size(); ++i) x[i] += a[i];
            const Vec f = ffn(il, rms(x, w(L.ffn_norm), hp.rms_eps));
            for (size_t i = 0; i < x.size(); ++i) x[i] += f[i];
        }
        ++n_past;
        return mv(m.output, rms(x, w(m.output_norm), hp.rms_eps));
    }
};

class HybridTextbook : public ::testing::TestWithParam<std::string> {};

TEST_P(HybridTextbook, ReferenceMatchesTheTextbook) {
    auto loaded = model::load_model(std::string(MOEVK_TEST_MODEL_DIR) + "/tiny-" + GetParam() + ".gguf");
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
    const model::Model &m = *loaded.value();
    reference::Forward forward(m, 16);
    Textbook book(m);
    const std::vector<int32_t> tokens = {3, 141, 59, 265, 35, 89, 7};
    const std::vector<float> got = forward.eval(tokens.data(), tokens.size());
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
        const Vec want = book.step(tokens[pos]);
        const std::vector<float> wantf(want.begin(), want.end());
        const float *g = got.data() + pos * m.hp.n_vocab;
        EXPECT_LE(nmse(g, wantf.data(), wantf.size()), kNmseF32Weights) << "position " << pos;
        EXPECT_EQ(std::max_element(g, g + wantf.size()) - g, std::max_element(wantf.begin(), wantf.end()) - wantf.begin())
            << "position " << pos;
    }
}

INSTANTIATE_TEST_SUITE_P(TinyHybrids, HybridTextbook, ::testing::Values("qwen3next-f32", "qwen35moe-f32"));

}  // namespace
}  // namespace moevk::test
