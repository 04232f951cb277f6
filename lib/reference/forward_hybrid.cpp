// forward_hybrid.cpp — the blocks of the hybrid qwen3next / qwen35moe forward pass (llama.cpp's
// src/models/qwen3next.cpp and qwen35moe.cpp): gated full attention with partial RoPE, the GatedDeltaNet
// linear-attention block with its recurrent state, and the sigmoid-gated shared expert. Plain loops over
// reference/ops.h; docs/hybrid-models.md states the conventions.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "reference/forward.h"
#include "reference/ops.h"
#include "reference/tensor_access.h"

namespace moevk::reference {

void Forward::init_recurrent_state() {
    const model::HParams &hp = model_.hp;
    if (hp.ssm_n_k_heads == 0 || hp.ssm_n_v_heads % hp.ssm_n_k_heads != 0 || hp.ssm_d_conv == 0)
        throw std::invalid_argument("reference: value heads must be a multiple of key heads, conv kernel >= 1");
    if (hp.n_rot % 2 != 0 || hp.n_rot > hp.head_dim_k)
        throw std::invalid_argument("reference: n_rot must be even and at most head_dim_k");
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        const bool rec = hp.is_recurrent(il);
        const model::LayerWeights &L = model_.layers[il];
        conv_w_.push_back(rec ? dequantize_tensor(model_, *L.ssm_conv1d) : std::vector<float>());
        dt_bias_.push_back(rec ? dequantize_tensor(model_, *L.ssm_dt_bias) : std::vector<float>());
        ssm_a_.push_back(rec ? dequantize_tensor(model_, *L.ssm_a) : std::vector<float>());
        ssm_norm_.push_back(rec ? dequantize_tensor(model_, *L.ssm_norm) : std::vector<float>());
        conv_state_.emplace_back(rec ? (size_t)hp.ssm_conv_dim() * (hp.ssm_d_conv - 1) : 0);
        ssm_state_.emplace_back(rec ? (size_t)hp.ssm_n_v_heads * hp.ssm_head_dim * hp.ssm_head_dim : 0);
    }
}

void Forward::reset_recurrent_state() {
    for (auto &s : conv_state_) std::fill(s.begin(), s.end(), 0.0f);
    for (auto &s : ssm_state_) std::fill(s.begin(), s.end(), 0.0f);
}

void Forward::gated_attention_block(uint32_t il, int32_t pos, std::vector<float> &x) {
    const model::HParams &hp = model_.hp;
    const model::LayerWeights &layer = model_.layers[il];
    const size_t hd = hp.head_dim_k, kv_width = hp.n_head_kv * hd;

    std::vector<float> h(hp.n_embd);
    rms_norm(x.data(), attn_norm_[il].data(), h.data(), hp.n_embd, hp.rms_eps);
    // attn_q gives, per head, the query (hd values) followed by its output gate (hd values)
    std::vector<float> qg(2 * hp.n_head * hd), k(kv_width), v(kv_width);
    matvec_tensor(model_, *layer.attn_q, h.data(), qg.data());
    matvec_tensor(model_, *layer.attn_k, h.data(), k.data());
    matvec_tensor(model_, *layer.attn_v, h.data(), v.data());
    std::vector<float> q(hp.n_head * hd), gate(hp.n_head * hd);
    for (size_t head = 0; head < hp.n_head; ++head) {
        std::copy_n(qg.data() + head * 2 * hd, hd, q.data() + head * hd);
        std::copy_n(qg.data() + head * 2 * hd + hd, hd, gate.data() + head * hd);
    }
    // per-head RMSNorm, then RoPE on the first n_rot dims only (partial rotary)
    for (size_t head = 0; head < hp.n_head; ++head) {
        float *qh = q.data() + head * hd;
        rms_norm(qh, q_norm_[il].data(), qh, hd, hp.rms_eps);
        rope_neox(qh, hd, hp.n_rot, pos, hp.rope_freq_base);
    }
    for (size_t head = 0; head < hp.n_head_kv; ++head) {
        float *kh = k.data() + head * hd;
        rms_norm(kh, k_norm_[il].data(), kh, hd, hp.rms_eps);
        rope_neox(kh, hd, hp.n_rot, pos, hp.rope_freq_base);
    }
    store_kv_row(k, k_cache_[il].data() + (size_t)pos * kv_width);
    store_kv_row(v, v_cache_[il].data() + (size_t)pos * kv_width);

    const float scale = 1.0f / std::sqrt((float)hd);
    const size_t group = hp.n_head / hp.n_head_kv;
    std::vector<float> heads_out(hp.n_head * hd);
    for (size_t head = 0; head < hp.n_head; ++head) {
        const size_t kv_head = head / group;
        attention_head(q.data() + head * hd, k_cache_[il].data() + kv_head * hd, kv_width,
                       v_cache_[il].data() + kv_head * hd, kv_width, (size_t)pos + 1, hd, hd, scale,
                       heads_out.data() + head * hd);
    }
    sigmoid_gate(heads_out.data(), gate.data(), heads_out.size());
    std::vector<float> o(hp.n_embd);
    matvec_tensor(model_, *layer.attn_output, heads_out.data(), o.data());
    for (size_t i = 0; i < hp.n_embd; ++i) x[i] += o[i];
}

void Forward::delta_net_block(uint32_t il, std::vector<float> &x) {
    const model::HParams &hp = model_.hp;
    const model::LayerWeights &layer = model_.layers[il];
    const size_t dk = hp.ssm_head_dim, dv = hp.ssm_head_dim, nk = hp.ssm_n_k_heads, nv = hp.ssm_n_v_heads;
    const size_t key_dim = hp.ssm_key_dim(), conv_dim = hp.ssm_conv_dim();

    std::vector<float> h(hp.n_embd);
    rms_norm(x.data(), attn_norm_[il].data(), h.data(), hp.n_embd, hp.rms_eps);
    std::vector<float> qkv(conv_dim), z(nv * dv), b(nv), a(nv);
    matvec_tensor(model_, *layer.ssm_qkv, h.data(), qkv.data());
    matvec_tensor(model_, *layer.ssm_gate, h.data(), z.data());
    if (layer.ssm_ba != nullptr) {
        // qwen3next: per key head [beta x r, alpha x r], r = nv / nk value heads of that key head
        std::vector<float> ba(2 * nv);
        matvec_tensor(model_, *layer.ssm_ba, h.data(), ba.data());
        const size_t r = nv / nk;
        for (size_t g = 0; g < nk; ++g)
            for (size_t j = 0; j < r; ++j) {
                b[g * r + j] = ba[g * 2 * r + j];
                a[g * r + j] = ba[g * 2 * r + r + j];
            }
    } else {
        matvec_tensor(model_, *layer.ssm_beta, h.data(), b.data());
        matvec_tensor(model_, *layer.ssm_alpha, h.data(), a.data());
    }

    // causal depthwise conv over this token and the remembered ones, then SiLU
    std::vector<float> conv(conv_dim);
    conv1d_silu_step(qkv.data(), conv_w_[il].data(), conv_state_[il].data(), conv.data(), conv_dim, hp.ssm_d_conv);
    float *q = conv.data(), *k = conv.data() + key_dim, *v = conv.data() + 2 * key_dim;
    for (size_t g = 0; g < nk; ++g) {
        l2_norm(q + g * dk, q + g * dk, dk, hp.rms_eps);
        l2_norm(k + g * dk, k + g * dk, dk, hp.rms_eps);
    }

    const double scale = 1.0 / std::sqrt((double)dk);
    std::vector<float> o(nv * dv);
    for (size_t vh = 0; vh < nv; ++vh) {
        const double beta = sigmoid(b[vh]);
        // log-decay g = softplus(alpha + dt_bias) * ssm_a, where ssm_a holds -exp(A_log): g <= 0
        const double g = softplus((double)a[vh] + (double)dt_bias_[il][vh]) * (double)ssm_a_[il][vh];
        const size_t kh = hp.ssm_k_head_of((uint32_t)vh);
        gated_delta_step(ssm_state_[il].data() + vh * dk * dv, q + kh * dk, k + kh * dk, v + vh * dv, g, beta, scale,
                         dk, dv, o.data() + vh * dv);
        rms_norm_gated(o.data() + vh * dv, ssm_norm_[il].data(), z.data() + vh * dv, o.data() + vh * dv, dv, hp.rms_eps);
    }
    std::vector<float> out(hp.n_embd);
    matvec_tensor(model_, *layer.ssm_out, o.data(), out.data());
    for (size_t i = 0; i < hp.n_embd; ++i) x[i] += out[i];
}

void Forward::shared_expert(uint32_t il, const std::vector<float> &h, std::vector<double> &moe) const {
    const model::HParams &hp = model_.hp;
    const model::LayerWeights &layer = model_.layers[il];
    const size_t d = hp.n_embd, ff = hp.n_ff_shexp;
    std::vector<float> gate(ff), up(ff), act(ff), down(d);
    matvec_tensor(model_, *layer.ffn_gate_shexp, h.data(), gate.data());
    matvec_tensor(model_, *layer.ffn_up_shexp, h.data(), up.data());
    swiglu(gate.data(), up.data(), act.data(), ff);
    matvec_tensor(model_, *layer.ffn_down_shexp, act.data(), down.data());
    float logit = 0.0f;  // ffn_gate_inp_shexp is one row: a single gate logit per token
    matvec(layer.ffn_gate_inp_shexp->type, model_.data(*layer.ffn_gate_inp_shexp), 1, d, h.data(), &logit);
    const double w = sigmoid(logit);
    for (size_t i = 0; i < d; ++i) moe[i] += w * (double)down[i];
}

}  // namespace moevk::reference
