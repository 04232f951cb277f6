// gpu_weights.h — a qwen3moe model's weights in device memory, uploaded once: matrices in their GGUF
// type (dequantised inside the kernels), 1-D norm weights as float32, Q/K/V fused into one matrix when
// their types agree, and each layer's experts as slots (gate rows then up rows; down rows) with an
// expert->slot table (the identity: every expert resident; an expert cache may remap it later).
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "session/gpu_ops.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::session {

struct GpuLayerWeights {
    std::unique_ptr<vulkan::Buffer> attn_norm, q_norm, k_norm, ffn_norm;  // float32
    // Q, K, V projections: one matrix of q+k+v rows when fused, else three.
    std::vector<GpuMatrix> qkv;
    std::vector<uint32_t> qkv_row_offset;  // first output row of each matrix in the fused q|k|v row
    GpuMatrix attn_output;
    GpuMatrix router;
    GpuExpertSlots gate_up, down;
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
// gate_up/down stay empty). Errors: kUnsupported (a layout the kernels cannot read, e.g. gate and up
// experts of different types), kOutOfMemory, kDevice.
StatusOr<std::unique_ptr<GpuModelWeights>> upload_weights(const vulkan::Device &device, const model::Model &model,
                                                          bool with_experts = true);

}  // namespace moevk::session
