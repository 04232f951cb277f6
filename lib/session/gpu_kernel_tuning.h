// gpu_kernel_tuning.h — kernel choices that differ per device (tile sizes, which attention kernel). The
// device picks them; tests and moevk-bench override them to run or measure the other paths.
#pragma once

#include <cstdint>
#include <optional>

namespace moevk::session {

// Which attention kernel runs: per (head, token) (attention.comp) or split over the keys
// (attention_split.comp). They round differently; a device always uses the same one.
enum class AttentionKernel { kDeviceDefault, kPerHead, kSplit };

// Which kernels multiply weights by a prompt's activations (calls of at least prefill_min_tokens tokens):
// the mat-vec kernels of decode (matmul, moe_gate_up, moe_down), the tiled mat-mul (*_tiled.comp), or the
// tiled mat-mul on cooperative matrices (*_coopmat.comp; devices without them get the tiled one). They
// round differently, so prompt and token-by-token evaluation agree within the whole-model tier.
enum class PrefillKernel { kDeviceDefault, kMatvec, kTiled, kCoopmat };

// Sizes chosen per device; a zero field means "the default for this device". Tests set them to run code
// paths the default would skip on their device.
struct GpuKernelTuning {
    uint32_t matmul_token_tile = 0;
    uint32_t attention_workgroup = 0;
    AttentionKernel attention_kernel = AttentionKernel::kDeviceDefault;
    // Mat-vec activation loads as vec4 (true) or scalars (false); unset: the device's default.
    std::optional<bool> vec4_activation_loads;
    uint32_t moe_pair_tile = 0;
    PrefillKernel prefill_kernel = PrefillKernel::kDeviceDefault;
    uint32_t prefill_min_tokens = 0;  // calls of fewer tokens keep the mat-vec kernels
    uint32_t prefill_min_rows = 0;    // dense matrices of fewer rows (the router) keep the mat-vec kernel
    uint32_t prefill_batch = 0;       // tokens per prefill chunk (the scratch buffers are sized for it)
    // Prompt calls (prefill_min_tokens or more) attend with attention_tiled.comp; unset: where the prompt
    // kernel is not the mat-vec one (GPUs) and the device has subgroup shuffles.
    std::optional<bool> tiled_attention;
};

}  // namespace moevk::session
