// gpu_pass_hybrid.cpp — the hybrid qwen3next / qwen35moe layers' own recorded ops (see gpu_pass.h), in the
// order of reference/forward_hybrid.cpp: the GatedDeltaNet block (projections, conv + SiLU, gated delta
// recurrence with its gated norm, ssm_out), the gated attention block (query|gate split, partial RoPE,
// sigmoid gate before attn_output), and the sigmoid-gated shared expert.
#include "session/gpu_ops_hybrid.h"
#include "session/gpu_pass.h"

namespace moevk::session {
namespace {

Status record_projection(GpuRecorder &rec, const GpuMatrix &w, GpuActivations x, GpuActivations y, uint32_t n) {
    MatmulOp mm;
    mm.w = w;
    mm.x = x;
    mm.y = y;
    mm.n_tokens = n;
    return record_matmul(rec, mm);
}

// The block's input projections: folded into the attn_norm in decode, else after a separate norm.
Status record_block_input(GpuRecorder &rec, const GpuPass &pass, uint32_t il, const GpuRowGroup &g, GpuActivations y,
                          uint32_t n) {
    const vulkan::Buffer *norm = pass.weights.layers[il].attn_norm.get();
    if (folds_norms(rec, n)) return record_row_group(rec, pass, g, norm, y, n);
    MOEVK_RETURN_IF_ERROR(record_input_norm(rec, pass, norm, n));
    return record_row_group(rec, pass, g, nullptr, y, n);
}

Status record_delta_net_block(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    const model::HParams &hp = pass.hp;
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    const GpuDeltaNetWeights &dn = *pass.weights.layers[il].delta_net;
    // one row per token: conv input | z | beta and alpha logits (GpuDeltaNetWeights::in_proj)
    const uint32_t row = sh.ssm_proj_dim();
    const GpuActivations ssm_in{s.ssm_proj.get(), 0, row}, z{s.ssm_proj.get(), sh.conv_dim, row};
    const GpuActivations ba{s.ssm_proj.get(), sh.conv_dim + sh.ssm_v_dim, row};
    const GpuActivations conv{s.ssm_conv.get(), 0, sh.conv_dim}, out{s.ssm_out.get(), 0, sh.ssm_v_dim};
    const uint32_t nv = hp.ssm_n_v_heads, nk = hp.ssm_n_k_heads;

    MOEVK_RETURN_IF_ERROR(record_block_input(rec, pass, il, dn.in_proj, ssm_in, n));

    SsmConvOp c;
    c.x = ssm_in;
    c.out = conv;
    c.weight = dn.conv1d.get();
    c.state_in = pass.state_in;
    c.state_out = pass.state_out;
    c.state_offset = pass.state_layout->conv_offset[il];
    c.n_tokens = n;
    c.channels = sh.conv_dim;
    c.d_conv = hp.ssm_d_conv;
    MOEVK_RETURN_IF_ERROR(record_ssm_conv(rec, c));

    GatedDeltaOp g;
    g.conv = conv;
    g.ba = ba;
    g.z = z;
    g.out = out;
    g.dt_bias = dn.dt_bias.get();
    g.ssm_a = dn.a.get();
    g.norm_weight = dn.norm.get();
    g.state_in = pass.state_in;
    g.state_out = pass.state_out;
    g.state_offset = pass.state_layout->ssm_offset[il];
    g.n_tokens = n;
    g.n_k_heads = nk;
    g.n_v_heads = nv;
    g.head_dim = hp.ssm_head_dim;
    g.ba_group = dn.ba_parts == 1 ? nv / nk : nv;
    g.k_head_interleaved = hp.arch == model::Arch::kQwen35Moe;
    g.eps = hp.rms_eps;
    MOEVK_RETURN_IF_ERROR(record_gated_delta(rec, g));

    MatmulOp o;
    o.w = dn.out;
    o.x = out;
    o.y = {s.x.get(), 0, sh.n_embd};
    o.n_tokens = n;
    o.accumulate = true;  // the residual add
    return record_matmul(rec, o);
}

Status record_gated_attention_block(GpuRecorder &rec, const GpuPass &pass, uint32_t il, uint32_t n) {
    const model::HParams &hp = pass.hp;
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    const GpuLayerWeights &lw = pass.weights.layers[il];
    const GpuActivations qg{s.qg.get(), 0, 2 * sh.q_dim}, gate{s.attn_gate.get(), 0, sh.q_dim};

    // K and V read the h this stores
    MOEVK_RETURN_IF_ERROR(record_block_input(rec, pass, il, GpuRowGroup{{lw.attn_qg}, {0}}, qg, n));
    SplitQGateOp split;
    split.qg = qg;
    split.q = {s.qkv.get(), 0, sh.qkv_dim()};
    split.gate = gate;
    split.n_tokens = n;
    split.n_head = hp.n_head;
    split.head_dim = hp.head_dim_k;
    MOEVK_RETURN_IF_ERROR(record_split_q_gate(rec, split));
    MOEVK_RETURN_IF_ERROR(record_qkv_projections(rec, pass, il, n));  // K and V
    MOEVK_RETURN_IF_ERROR(record_attention_core(rec, pass, il, n, hp.n_rot));

    SigmoidMulOp gated;
    gated.x = {s.attn.get(), 0, sh.attn_dim};
    gated.gate = gate;
    gated.n_tokens = n;
    gated.width = sh.attn_dim;
    MOEVK_RETURN_IF_ERROR(record_sigmoid_mul(rec, gated));
    return record_attention_output(rec, pass, il, n);
}

}  // namespace

Status record_hybrid_mixer(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n_tokens) {
    if (pass.hp.is_recurrent(layer)) return record_delta_net_block(rec, pass, layer, n_tokens);
    return record_gated_attention_block(rec, pass, layer, n_tokens);
}

Status record_shared_expert(GpuRecorder &rec, const GpuPass &pass, uint32_t layer, uint32_t n) {
    const ActivationShape &sh = pass.shape;
    const GpuScratch &s = pass.scratch;
    const GpuSharedExpertWeights &w = *pass.weights.layers[layer].shared;
    const uint32_t ff = sh.n_ff_shexp;
    const GpuActivations gate{s.shexp_gate_up.get(), 0, 2 * ff}, up{s.shexp_gate_up.get(), ff, 2 * ff};
    const GpuActivations act{s.shexp_act.get(), 0, ff};
    const GpuActivations out{s.shexp_out.get(), 0, sh.n_embd};
    const GpuActivations logit{s.router_logits.get(), sh.n_expert, sh.router_dim()};  // the router wrote it

    MOEVK_RETURN_IF_ERROR(record_row_group(rec, pass, w.gate_up, nullptr, gate, n));
    SwigluOp sw;
    sw.gate = gate;
    sw.up = up;
    sw.out = act;
    sw.n_tokens = n;
    sw.width = ff;
    MOEVK_RETURN_IF_ERROR(record_swiglu(rec, sw));
    MOEVK_RETURN_IF_ERROR(record_projection(rec, w.down, act, out, n));

    GatedAddOp add;
    add.x = {s.x.get(), 0, sh.n_embd};
    add.y = out;
    add.logit = logit;
    add.n_tokens = n;
    add.width = sh.n_embd;
    return record_gated_add(rec, add);
}

}  // namespace moevk::session
