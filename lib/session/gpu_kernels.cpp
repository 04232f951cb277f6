// gpu_kernels.cpp — pipeline cache keyed by variant, workgroup size and specialization constants.
#include "session/gpu_kernels.h"

#include <algorithm>

namespace moevk::session {

GpuKernels::GpuKernels(const vulkan::Device &device, const GpuKernelTuning &tuning) : device_(device) {
    // 64 keeps several subgroups busy on GPUs (32- or 64-wide) and is 8 SIMD steps on lavapipe; never
    // above what the device allows.
    const uint32_t limit = std::min(device.info().max_workgroup_size[0], device.info().max_workgroup_invocations);
    reduce_workgroup_ = std::min<uint32_t>(64, limit);
    elementwise_workgroup_ = std::min<uint32_t>(64, limit);
    // On a CPU device (lavapipe) weights are in cache anyway and the per-token accumulators cost more than
    // re-reading: measured 1.5-2.5x slower decode with a tile of 4, no prefill gain past 2.
    matmul_token_tile_ = device.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 1 : 4;
    if (tuning.matmul_token_tile) matmul_token_tile_ = tuning.matmul_token_tile;
    // A prefill chunk of 256 tokens routes ~16 pairs to each of 128 experts: tiles of 8 read the expert
    // rows 8x less often. lavapipe keeps 1 (as the mat-mul token tile: accumulators cost more there).
    moe_pair_tile_ = device.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 1 : 8;
    if (tuning.moe_pair_tile) moe_pair_tile_ = tuning.moe_pair_tile;
    // Decode runs only n_head attention workgroups, each walking the keys tile by tile: on a GPU a wider
    // workgroup means fewer tiles per lane (H100, 540 keys: 64 lanes took 290 us per layer). lavapipe keeps
    // 64 (wide workgroups are slow there).
    attention_workgroup_ = device.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU ? reduce_workgroup_ : std::min<uint32_t>(256, limit);
    if (tuning.attention_workgroup) attention_workgroup_ = std::min(tuning.attention_workgroup, limit);
    attention_split_ = tuning.attention_kernel == AttentionKernel::kDeviceDefault
                           ? device.info().type != VK_PHYSICAL_DEVICE_TYPE_CPU
                           : tuning.attention_kernel == AttentionKernel::kSplit;
    // llvmpipe runs vec4 loads from per-lane addresses about 7x slower than scalar ones (tiny model decode
    // 110 vs 15 tok/s): it keeps the scalar loop. Same products in the same order either way.
    vec4_activation_loads_ = device.info().type != VK_PHYSICAL_DEVICE_TYPE_CPU;
    if (tuning.vec4_activation_loads) vec4_activation_loads_ = *tuning.vec4_activation_loads;
    prefill_kernel_ = choose_prefill_kernel(device.info(), tuning);
    if (tuning.prefill_min_tokens) prefill_min_tokens_ = tuning.prefill_min_tokens;
    // H100, 512-token prompt: attention_split re-read the cache once per token (29.4 ms of 129 ms); the
    // query-tiled kernel stages each key tile once per 8 tokens. Its row reduction needs shuffles.
    tiled_attention_ = tuning.tiled_attention.value_or(prefill_kernel_ != PrefillKernel::kMatvec) &&
                       (device.info().features & vulkan::kFeatureSubgroupShuffle) != 0;
    // H100, 512-token prompt: the router's 128 rows took 9.4 ms over 12 layers in 64-row tiles, 1.3 ms as
    // mat-vecs (8 workgroups per chunk of 256 tokens); the Qwen3.6 shape's 256 f32 rows took 0.60 ms a layer
    // in tiles, against 0.085 ms for Qwen3-30B's 128 as mat-vecs: routers (up to 256 experts and the shared
    // expert's gate row) keep the mat-vec kernel (prefill_min_rows_ 512)
    if (tuning.prefill_min_rows) prefill_min_rows_ = tuning.prefill_min_rows;
    prefill_batch_ = choose_prefill_batch(device.info(), tuning);
    // 64 x 64 tiles (256 invocations) keep 16 KiB of operands in shared memory and 16 accumulators per
    // invocation; a 512-token prompt routes ~32 pairs to each of 128 experts, hence 32-pair expert tiles.
    // CPU devices (tests) take 32 x 32: 64 invocations, as their other kernels.
    if (device.info().type == VK_PHYSICAL_DEVICE_TYPE_CPU || limit < 256) gemm_rows_ = gemm_tokens_ = 32;
    if (prefill_kernel_ == PrefillKernel::kCoopmat) gemm_rows_ = 64, gemm_tokens_ = 32, gemm_pairs_ = 32;
    rows_per_workgroup_ = std::max<uint32_t>(1, reduce_workgroup_ / std::max<uint32_t>(1, device.info().subgroup_size));
}

StatusOr<const vulkan::Pipeline *> GpuKernels::get(const vulkan::PipelineDesc &desc) {
    std::string key = desc.variant + "/" + std::to_string(desc.workgroup_size);
    for (const vulkan::SpecConstant &c : desc.spec_constants)
        key += "/" + std::to_string(c.id) + "=" + std::to_string(c.value);
    auto it = pipelines_.find(key);
    if (it != pipelines_.end()) return it->second.get();
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Pipeline> p, vulkan::Pipeline::create(device_, desc));
    const vulkan::Pipeline *raw = p.get();
    pipelines_.emplace(key, std::move(p));
    return raw;
}

vulkan::PipelineDesc GpuKernels::prefill_desc(const char *op, model::GgmlType type, uint32_t cols) const {
    vulkan::PipelineDesc desc;
    // f32 weights keep f32 products (fp16 would round every weight: on an H100 the tiny f32 hybrid model's
    // decode after a 40-token prompt flipped an argmax the whole-model tier does not allow)
    const bool coopmat = prefill_kernel_ == PrefillKernel::kCoopmat && type != model::GgmlType::kF32;
    desc.variant = weight_variant((std::string(op) + (coopmat ? "_coopmat" : "_tiled")).c_str(), type);
    // coopmat: four subgroups of 32, one per 16 rows; tiled: one invocation per 4 x 4 outputs
    desc.workgroup_size = coopmat ? 128 : gemm_rows_ * cols / 16;
    desc.required_features = coopmat ? vulkan::kFeatureCooperativeMatrix | vulkan::kFeatureShaderFloat16 : 0;
    return desc;
}

PrefillKernel choose_prefill_kernel(const vulkan::DeviceInfo &info, const GpuKernelTuning &tuning) {
    const bool coopmat = (info.features & vulkan::kFeatureCooperativeMatrix) != 0;
    switch (tuning.prefill_kernel) {
    case PrefillKernel::kMatvec: return PrefillKernel::kMatvec;
    case PrefillKernel::kTiled: return PrefillKernel::kTiled;
    case PrefillKernel::kCoopmat: return coopmat ? PrefillKernel::kCoopmat : PrefillKernel::kTiled;
    case PrefillKernel::kDeviceDefault: break;
    }
    if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU) return PrefillKernel::kMatvec;
    return coopmat ? PrefillKernel::kCoopmat : PrefillKernel::kTiled;
}

uint32_t choose_prefill_batch(const vulkan::DeviceInfo &info, const GpuKernelTuning &tuning) {
    if (tuning.prefill_batch) return tuning.prefill_batch;
    // Chunks of 512 tokens (llama.cpp's default micro-batch too): a 256-token chunk routes ~16 pairs to each
    // of 128 experts, half a 32-pair tile, and gives the dense mat-muls too few workgroup tiles to fill a
    // GPU. CPU devices keep 256: their prompts run the mat-vec kernels, which gain nothing from more.
    return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 256 : 512;
}

std::string weight_variant(const char *op, model::GgmlType type) {
    return std::string(op) + "_" + model::type_name(static_cast<uint32_t>(type));
}

uint32_t weight_unit_elements(model::GgmlType type) {
    return std::min<uint32_t>(32, model::block_elements(type));
}

Status check_weight_row_alignment(model::GgmlType type, uint64_t first_row_byte, uint64_t row_bytes, const char *who) {
    const bool words = type == model::GgmlType::kF32 || type == model::GgmlType::kQ4_K || type == model::GgmlType::kQ5_K;
    const uint64_t need = words ? 4 : 2;
    if (first_row_byte % need != 0 || row_bytes % need != 0)
        return internal_error(std::string(who) + ": " + model::type_name((uint32_t)type) + " rows at byte " +
                              std::to_string(first_row_byte) + ", " + std::to_string(row_bytes) +
                              " bytes apart, are not " + std::to_string(need) + "-byte aligned");
    return Status::ok();
}

const char *kv_type_name(KvType type) {
    return type == KvType::kF32 ? "f32" : type == KvType::kF16 ? "f16" : "q8_0";
}

std::string kv_variant(const char *op, KvType type) { return std::string(op) + "_" + kv_type_name(type); }

}  // namespace moevk::session
