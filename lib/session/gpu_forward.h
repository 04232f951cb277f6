// gpu_forward.h — the forward pass of a model on one Vulkan device: weights uploaded once, a KV cache of
// n_ctx positions, every op a compute dispatch (kernels/), batched prefill and single-token decode.
// It does not track which positions are valid (lib/session/context does): eval writes K/V of the positions
// it evaluates and reads keys [0, pos] for each of them, so stale entries past the session's end are never read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "experts/expert_stats.h"
#include "model/model.h"
#include "session/gpu_kernel_tuning.h"
#include "vulkan/timestamps.h"

namespace moevk::session {

enum class KvType { kF16, kF32, kQ8_0 };

struct GpuForwardOptions {
    uint32_t n_ctx = 4096;
    KvType kv_type = KvType::kF16;
    // Device choice: index >= 0 picks that device in enumeration order; otherwise the first device whose
    // name contains device_name (empty: the first discrete GPU, else the first device).
    int64_t device_index = -1;
    std::string device_name;
    // Internal, for moevk-bench (not reachable through the C API): time every dispatch with GPU timestamps
    // (take_kernel_profile), and record single-token steps once and replay them (off only to measure the
    // cost of re-recording).
    bool profile = false;
    bool replay_decode = true;
    GpuKernelTuning kernel_tuning;  // internal (moevk-bench, tests): kernel choices other than the device's
    // Expert cache budget in bytes; -1: automatic (every expert resident when they fit in device memory
    // with headroom for the rest, else the largest budget that fits). expert_cache_percent (1..100) of all
    // expert bytes instead when > 0. A budget of all expert bytes or more keeps every expert resident
    // (no reads, one submission per chunk); a smaller one streams them (lib/experts).
    int64_t expert_cache_bytes = -1;
    int32_t expert_cache_percent = -1;
    uint32_t io_threads = 0;   // expert and weight upload read threads; 0: automatic
    bool direct_io = false;    // read experts with O_DIRECT (bypass the page cache)
    bool expert_prefetch = true;  // false: every absent expert is a miss (tests compare both paths)
    bool expert_force_staging = false;  // tests: expert and weight reads through host memory + upload (unmappable VRAM)
    uint64_t expert_segment_bytes = 0;  // largest expert slot buffer; 0: the device's binding limit
};

// Expert choice of the GPU for each evaluated token and layer: [layer][token][n_expert_used].
struct RoutingTrace {
    std::vector<std::vector<std::vector<int32_t>>> ids;
};

class GpuForward {
public:
    // Uploads the model's weights. Errors: kDevice (no device / Vulkan failure), kOutOfMemory,
    // kUnsupported (device lacks a required feature; tensor larger than the device can bind).
    static StatusOr<std::unique_ptr<GpuForward>> create(const model::Model &model, const GpuForwardOptions &opts);
    virtual ~GpuForward() = default;

    // Evaluates tokens at positions [start_pos, start_pos + n) (caller has validated ids and range,
    // start_pos + n <= n_ctx). last_logits: NULL or n_vocab floats for the last position. all_logits:
    // NULL or n * n_vocab floats (every position; for tests). trace: NULL or receives the routing.
    // On failure the outputs are untouched; K/V at positions >= start_pos may have been overwritten.
    // Hybrid models: an eval at start_pos 0 starts from the zero recurrent state, any other from the state
    // after the last successful eval (the caller keeps start_pos continuing it); a failed eval leaves the
    // recurrent state as it was.
    virtual Status eval(const int32_t *tokens, uint32_t n, uint32_t start_pos, float *last_logits,
                        float *all_logits, RoutingTrace *trace) = 0;

    virtual const std::string &device_name() const = 0;

    // Profiling (internal, for moevk-bench --profile): when GpuForwardOptions::profile was set at
    // create(), every dispatch is timed with GPU timestamps; this returns the time per kernel since the
    // last call (and forgets it). Empty when profiling is off. Not thread-safe against a running eval.
    virtual vulkan::KernelProfile take_kernel_profile() const = 0;

    // Expert cache: whether experts stream (else all are resident), the budget in use in bytes (all expert
    // bytes when resident), and the counters since create() (zero when resident).
    virtual bool experts_streamed() const = 0;
    virtual uint64_t expert_cache_bytes() const = 0;
    virtual experts::ExpertStats expert_stats() const = 0;

    // KV cache access for state snapshots (DESIGN.md section 5). The bytes of one layer for positions
    // [0, n_pos): the K rows of every position, then the V rows, each row of n_head_kv * head_dim values in
    // the cache's type as ggml stores it (f32; f16; q8_0 as 34-byte blocks of 32 values) — independent of
    // the device and of how the cache is laid out in device memory. No eval may run at the same time.
    virtual KvType kv_type() const = 0;
    virtual uint64_t kv_layer_bytes(uint32_t n_pos) const = 0;
    // dst/src hold kv_layer_bytes(n_pos) bytes; n_pos <= n_ctx. Errors: kInvalidArg (layer or n_pos out of
    // range), kDevice. write_kv leaves positions >= n_pos as they were.
    virtual Status read_kv(uint32_t layer, uint32_t n_pos, uint8_t *dst) const = 0;
    virtual Status write_kv(uint32_t layer, uint32_t n_pos, const uint8_t *src) = 0;
    // Hybrid models keep K/V only for their attention layers; read_kv / write_kv of a layer without K/V is
    // kInvalidArg. True for every layer of qwen3moe.
    virtual bool layer_has_kv(uint32_t layer) const = 0;

    // Recurrent state of hybrid models (checkpoints, DESIGN.md section 2; snapshots, section 5): the conv
    // state and SSM state of every GatedDeltaNet layer after the last evaluated position, as host bytes in
    // the layout of reference::Forward: for each recurrent layer in order, conv state float32
    // [conv_dim][d_conv - 1] (oldest input first), then SSM state float32 [n_v_heads][head_k_dim][head_v_dim]
    // (S[i * head_v_dim + j], key index i). 0 bytes for models without recurrent layers. dst / src hold
    // recurrent_state_bytes() bytes (may be NULL when that is 0). clear_recurrent_state() zeroes it (the state
    // before position 0). No eval may run at the same time. Errors: kDevice.
    virtual uint64_t recurrent_state_bytes() const = 0;
    virtual Status read_recurrent_state(uint8_t *dst) const = 0;
    virtual Status write_recurrent_state(const uint8_t *src) = 0;
    virtual Status clear_recurrent_state() = 0;
};

}  // namespace moevk::session
