// gpu_kernels.h — the compute pipelines of one device, created on first use and kept for the device's
// lifetime (lavapipe compiles each in ~10-50 ms), plus the workgroup sizes moevk uses on that device.
// It knows kernel names and shapes of the descriptors, not what the kernels compute (gpu_ops.h does).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "model/ggml_type.h"
#include "session/gpu_forward.h"
#include "session/gpu_kernel_tuning.h"
#include "vulkan/device.h"
#include "vulkan/pipeline.h"

namespace moevk::session {

class GpuKernels {
public:
    explicit GpuKernels(const vulkan::Device &device, const GpuKernelTuning &tuning = {});

    // The pipeline for desc (created now if this is the first request). Errors as Pipeline::create.
    StatusOr<const vulkan::Pipeline *> get(const vulkan::PipelineDesc &desc);

    const vulkan::Device &device() const { return device_; }
    // Invocations per workgroup for the reduction kernels (mat-vec, norms, attention) and for the
    // element-wise ones.
    uint32_t reduce_workgroup() const { return reduce_workgroup_; }
    uint32_t elementwise_workgroup() const { return elementwise_workgroup_; }
    // Tokens a mat-mul workgroup handles at once (weights are read once per tile). One pipeline serves
    // every batch size, so a token's result never depends on its batch.
    uint32_t matmul_token_tile() const { return matmul_token_tile_; }
    // (token, expert) pairs an expert workgroup handles at once when the pairs are grouped by expert (the
    // expert's rows are read once per tile). One pipeline serves grouped and single pairs.
    uint32_t moe_pair_tile() const { return moe_pair_tile_; }
    // Rows a mat-vec workgroup handles, one per subgroup: the reduce workgroup over the device's
    // subgroup size (a hint: kernels loop when the real subgroups are smaller).
    uint32_t rows_per_workgroup() const { return rows_per_workgroup_; }
    // Invocations of an attention workgroup (one per head and token): its key tile.
    uint32_t attention_workgroup() const { return attention_workgroup_; }
    // Split attention (GPUs); CPU devices keep the per-head kernel, whose bits the golden snapshots of
    // tests/golden/ hold.
    bool attention_split() const { return attention_split_; }
    // The prompt kernel this device uses (never kDeviceDefault) and whether a call of n_tokens uses it
    // rather than the mat-vec kernels: the choice depends only on the call's token count, so equal calls
    // give equal bits however the experts are streamed.
    PrefillKernel prefill_kernel() const { return prefill_kernel_; }
    bool tiled_prefill(uint32_t n_tokens) const {
        return prefill_kernel_ != PrefillKernel::kMatvec && n_tokens >= prefill_min_tokens_;
    }
    // Whether a call of n_tokens attends with the query-tiled prompt kernel (attention_tiled.comp) rather
    // than the decode one; again only the token count decides.
    bool tiled_attention(uint32_t n_tokens) const { return tiled_attention_ && n_tokens >= prefill_min_tokens_; }
    // The same for a dense matrix of n_rows rows: few rows make too few workgroup tiles to fill a GPU.
    bool tiled_matmul(uint32_t n_tokens, uint32_t n_rows) const {
        return tiled_prefill(n_tokens) && n_rows >= prefill_min_rows_;
    }
    // Tiles of the prompt kernels: weight rows, and tokens (matmul) or an expert's pairs (moe) per workgroup
    // (the cooperative-matrix kernels' are fixed: 64, 32, 32).
    uint32_t gemm_rows() const { return gemm_rows_; }
    uint32_t gemm_tokens() const { return gemm_tokens_; }
    uint32_t gemm_pairs() const { return gemm_pairs_; }
    // Tokens per prefill chunk: the scratch buffers hold that many, a longer prompt runs in chunks.
    uint32_t prefill_batch() const { return prefill_batch_; }
    // The pipeline of prompt kernel `op` ("matmul", "moe_gate_up", "moe_down") for weights of `type` and
    // `cols` tokens or pairs per workgroup: variant, workgroup size, needed features (spec constants and
    // buffers are the caller's). F32 weights take the tiled kernel on cooperative-matrix devices too.
    vulkan::PipelineDesc prefill_desc(const char *op, model::GgmlType type, uint32_t cols) const;
    // Spec constant 4 of the mat-vec kernels (common/block_dot.glsl): 1 when activations are read as vec4.
    uint32_t vec4_activation_loads() const { return vec4_activation_loads_ ? 1u : 0u; }

private:
    const vulkan::Device &device_;
    uint32_t reduce_workgroup_ = 64;
    uint32_t elementwise_workgroup_ = 64;
    uint32_t rows_per_workgroup_ = 1;
    uint32_t matmul_token_tile_ = 4;
    uint32_t moe_pair_tile_ = 8;
    uint32_t attention_workgroup_ = 64;
    bool attention_split_ = true;
    bool tiled_attention_ = false;
    bool vec4_activation_loads_ = true;
    PrefillKernel prefill_kernel_ = PrefillKernel::kMatvec;
    uint32_t prefill_min_tokens_ = 32;
    uint32_t prefill_min_rows_ = 512;
    uint32_t gemm_rows_ = 64, gemm_tokens_ = 64, gemm_pairs_ = 32;
    uint32_t prefill_batch_ = 512;
    std::map<std::string, std::unique_ptr<vulkan::Pipeline>> pipelines_;
};

// The prompt kernel for a device: tuning's choice, else matvec on CPU devices (lavapipe: weights are in
// cache, and the golden snapshots hold the mat-vec bits), coopmat where the device has cooperative
// matrices, tiled elsewhere. coopmat falls back to tiled on a device without them.
PrefillKernel choose_prefill_kernel(const vulkan::DeviceInfo &info, const GpuKernelTuning &tuning);

// Tokens per prefill chunk: tuning's, else 512 on GPUs and 256 on CPU devices.
uint32_t choose_prefill_batch(const vulkan::DeviceInfo &info, const GpuKernelTuning &tuning);

// "f32", "f16", "q8_0".
const char *kv_type_name(KvType type);
// "<op>_<type>" variant names of kernels/manifest.cmake ("matmul_q4_0", "attention_f16").
std::string weight_variant(const char *op, model::GgmlType type);
// Values a weight kernel decodes per step (WEIGHT_QK of kernels/common/weight_type.glsl): 1 for float types,
// 32 for quantised ones (a ggml block, or a sub-block slice of a K-quant super-block).
uint32_t weight_unit_elements(model::GgmlType type);
// internal_error unless rows of `type` starting at `first_row_byte`, row_bytes apart, are where the kernels
// can read them: F32, Q4_K and Q5_K read whole aligned words, so their rows must start at multiples of 4
// bytes; the others decode at any even byte.
Status check_weight_row_alignment(model::GgmlType type, uint64_t first_row_byte, uint64_t row_bytes, const char *who);
std::string kv_variant(const char *op, KvType type);

}  // namespace moevk::session
