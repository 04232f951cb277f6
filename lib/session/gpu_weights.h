// gpu_weights.h — a model's weights in device memory, uploaded once: matrices in their GGUF type
// (dequantised inside the kernels), 1-D norm weights as float32, Q/K/V fused into one matrix when their
// types agree, and each layer's experts as slots (gate rows then up rows; down rows) with an
// expert->slot table (the identity: every expert resident; an expert cache may remap it later). Hybrid
// models (qwen3next / qwen35moe, docs/hybrid-models.md) add their layers' own weights (gpu_weights_hybrid.cpp).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "session/gpu_ops.h"
#include "session/weight_upload.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::session {

// Matrices that read the same input and write one output row side by side: one matrix of all their rows
// (one dispatch) when their types and row lengths agree, else one per part. first_row[i]: where part i's
// rows start in the output row.
struct GpuRowGroup {
    std::vector<GpuMatrix> parts;
    std::vector<uint32_t> first_row;
};

// A GatedDeltaNet layer's mixer (hybrid models).
struct GpuDeltaNetWeights {
    // h -> one row of [conv input (ssm_qkv: q, k, v heads) | z (ssm_gate) | beta and alpha logits]: the
    // logits are qwen3next's fused ssm_ba, or qwen35moe's ssm_beta rows then ssm_alpha rows
    GpuRowGroup in_proj;
    uint32_t ba_parts = 1;  // 1: qwen3next's ssm_ba; 2: qwen35moe's beta and alpha
    GpuMatrix out;   // ssm_out
    std::unique_ptr<vulkan::Buffer> conv1d, dt_bias, a, norm;  // float32
};

// The sigmoid-gated shared expert every hybrid layer has.
struct GpuSharedExpertWeights {
    GpuRowGroup gate_up;  // h -> [gate | up], n_ff_shexp each
    GpuMatrix down;       // its gate logit's one row is part of the layer's router (GpuLayerWeights)
};

struct GpuLayerWeights {
    std::unique_ptr<vulkan::Buffer> attn_norm, q_norm, k_norm, ffn_norm;  // float32
    // Q, K, V projections into the q|k|v row: one matrix of q+k+v rows when their types agree. Hybrid
    // attention layers keep only K and V here (their attn_q is attn_qg; first rows from q_dim on);
    // recurrent layers have none.
    GpuRowGroup qkv;
    GpuMatrix attn_qg;  // hybrid attention layers: per head the query rows then the output gate rows
    GpuMatrix attn_output;
    // h -> the expert logits, and in hybrid models after them the shared expert's gate logit
    // (ffn_gate_inp_shexp, one row): one mat-vec where their types agree
    GpuRowGroup router;
    GpuExpertSlots gate_up, down;
    std::unique_ptr<GpuDeltaNetWeights> delta_net;      // recurrent layers only
    std::unique_ptr<GpuSharedExpertWeights> shared;     // hybrid models only
};

struct GpuModelWeights {
    std::vector<std::unique_ptr<vulkan::Buffer>> buffers;  // owns every matrix and slot buffer
    GpuMatrix token_embd;
    GpuMatrix output;  // shares token_embd's buffer when the model ties them
    std::unique_ptr<vulkan::Buffer> output_norm;
    std::unique_ptr<vulkan::Buffer> slot_table;  // uint32 per expert
    std::vector<GpuLayerWeights> layers;
};

// Uploads every weight of model; the experts only when with_experts (else the expert cache holds them and
// gate_up/down stay empty). The matrices and experts are read from the file by the reader threads of
// weight_upload.h (options). Errors: kUnsupported (a layout the kernels cannot read, e.g. gate and up
// experts of different types), kIo (a read failed), kOutOfMemory, kDevice.
StatusOr<std::unique_ptr<GpuModelWeights>> upload_weights(const vulkan::Device &device, const model::Model &model,
                                                          bool with_experts = true,
                                                          const WeightUploadOptions &options = {});

// Building blocks of the upload (gpu_weights.cpp): a 2-D matrix in its own buffer (owned by w.buffers),
// a 1-D weight of any float type as float32 (written at once), and whole tensors concatenated into one
// buffer. Matrices are only queued on up: their bytes arrive when up.run() returns.
StatusOr<GpuMatrix> upload_matrix(WeightUploads &up, const model::TensorInfo &t, GpuModelWeights &w);
StatusOr<std::unique_ptr<vulkan::Buffer>> upload_f32(const vulkan::Device &device, const model::Model &model,
                                                     const model::TensorInfo &t);
StatusOr<std::unique_ptr<vulkan::Buffer>> upload_concat(WeightUploads &up,
                                                        const std::vector<const model::TensorInfo *> &parts,
                                                        const std::string &name);
GpuMatrix matrix_view(const vulkan::Buffer *buf, uint64_t offset, const model::TensorInfo &t, uint32_t n_rows);
// The tensors as one GpuRowGroup, in their order (each a 2-D [n_cols, rows] tensor).
StatusOr<GpuRowGroup> upload_row_group(WeightUploads &up, const std::vector<const model::TensorInfo *> &parts,
                                       GpuModelWeights &w);

// The hybrid layers' own weights (gpu_weights_hybrid.cpp): a gated attention layer's attn_qg and K|V
// (rows at q_dim of the q|k|v row), a recurrent layer's delta_net, and every layer's shared expert.
Status upload_gated_attention_qkv(WeightUploads &up, const model::LayerWeights &lw, GpuModelWeights &w,
                                  GpuLayerWeights &out);
Status upload_delta_net(WeightUploads &up, const model::Model &model, const model::LayerWeights &lw,
                        GpuModelWeights &w, GpuLayerWeights &out);
Status upload_shared_expert(WeightUploads &up, const model::LayerWeights &lw, GpuModelWeights &w,
                            GpuLayerWeights &out);

}  // namespace moevk::session
