// gpu_weights_hybrid.cpp — the weights only hybrid qwen3next / qwen35moe layers have (gpu_weights.h):
// the gated attention's fused query|gate matrix with K and V, the GatedDeltaNet mixer (its four input
// projections as one row group; conv taps, dt bias, decay and gated norm as float32), and the shared
// expert (gate|up as one row group; its gate logit row joins the router, gpu_weights.cpp).
#include <string>

#include "session/gpu_weights.h"

namespace moevk::session {

Status upload_gated_attention_qkv(WeightUploads &up, const model::LayerWeights &lw, GpuModelWeights &w,
                                  GpuLayerWeights &out) {
    MOEVK_ASSIGN_OR_RETURN(out.attn_qg, upload_matrix(up, *lw.attn_q, w));
    // K and V rows follow Q in the q|k|v row the attention kernels read; Q itself is split out of attn_qg
    MOEVK_ASSIGN_OR_RETURN(out.qkv, upload_row_group(up, {lw.attn_k, lw.attn_v}, w));
    const uint32_t q_dim = (uint32_t)lw.attn_q->ne[1] / 2;
    for (uint32_t &row : out.qkv.first_row) row += q_dim;
    return Status::ok();
}

Status upload_delta_net(WeightUploads &up, const model::Model &model, const model::LayerWeights &lw,
                        GpuModelWeights &w, GpuLayerWeights &out) {
    auto dn = std::make_unique<GpuDeltaNetWeights>();
    std::vector<const model::TensorInfo *> in = {lw.ssm_qkv, lw.ssm_gate};
    for (const model::TensorInfo *t : {lw.ssm_ba, lw.ssm_beta, lw.ssm_alpha})  // ssm_ba, or beta then alpha
        if (t != nullptr) in.push_back(t);
    dn->ba_parts = (uint32_t)in.size() - 2;
    MOEVK_ASSIGN_OR_RETURN(dn->in_proj, upload_row_group(up, in, w));
    MOEVK_ASSIGN_OR_RETURN(dn->out, upload_matrix(up, *lw.ssm_out, w));
    // ne [d_conv, conv_dim]: each channel's taps contiguous, as SsmConvOp reads them
    MOEVK_ASSIGN_OR_RETURN(dn->conv1d, upload_f32(up.device(), model, *lw.ssm_conv1d));
    MOEVK_ASSIGN_OR_RETURN(dn->dt_bias, upload_f32(up.device(), model, *lw.ssm_dt_bias));
    MOEVK_ASSIGN_OR_RETURN(dn->a, upload_f32(up.device(), model, *lw.ssm_a));
    MOEVK_ASSIGN_OR_RETURN(dn->norm, upload_f32(up.device(), model, *lw.ssm_norm));
    out.delta_net = std::move(dn);
    return Status::ok();
}

Status upload_shared_expert(WeightUploads &up, const model::LayerWeights &lw, GpuModelWeights &w,
                            GpuLayerWeights &out) {
    auto sh = std::make_unique<GpuSharedExpertWeights>();
    MOEVK_ASSIGN_OR_RETURN(sh->gate_up, upload_row_group(up, {lw.ffn_gate_shexp, lw.ffn_up_shexp}, w));
    MOEVK_ASSIGN_OR_RETURN(sh->down, upload_matrix(up, *lw.ffn_down_shexp, w));
    out.shared = std::move(sh);
    return Status::ok();
}

}  // namespace moevk::session
