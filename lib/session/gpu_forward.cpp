// gpu_forward.cpp — GpuForward on Vulkan: create() opens the device, uploads the weights, allocates the KV
// cache (n_ctx positions per attention layer), the RoPE table, the scratch and (hybrid models) the
// recurrent state, and compiles every pipeline by evaluating one token; eval() runs prefill in chunks of
// max_batch tokens, one submission per chunk, and reads back only the logits asked for. Outputs are
// written, and the recurrent state's new copy becomes current, only after every submission succeeded.
#include "session/gpu_forward.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "session/gpu_kernels.h"
#include "session/gpu_kv_io.h"
#include "session/gpu_pass.h"
#include "session/gpu_recurrent_state.h"
#include "session/gpu_stream_pass.h"
#include "vulkan/command_stream.h"

namespace moevk::session {
namespace {

class VulkanForward final : public GpuForward {
public:
    Status init(const model::Model &model, const GpuForwardOptions &opts);
    Status eval(const int32_t *tokens, uint32_t n, uint32_t start_pos, float *last_logits, float *all_logits,
                RoutingTrace *trace) override;
    const std::string &device_name() const override { return device_->info().name; }
    vulkan::KernelProfile take_kernel_profile() const override {
        vulkan::KernelProfile p = stream_->take_profile();
        if (odd_stream_) p.add(odd_stream_->take_profile());
        return p;
    }
    bool experts_streamed() const override { return streaming_ != nullptr; }
    uint64_t expert_cache_bytes() const override { return expert_budget_bytes_; }
    experts::ExpertStats expert_stats() const override {
        return streaming_ ? streaming_->cache().stats() : experts::ExpertStats();
    }
    KvType kv_type() const override { return kv_layout_.type; }
    uint64_t kv_layer_bytes(uint32_t n_pos) const override { return kv_export_bytes(kv_layout_, n_pos); }
    Status read_kv(uint32_t layer, uint32_t n_pos, uint8_t *dst) const override;
    Status write_kv(uint32_t layer, uint32_t n_pos, const uint8_t *src) override;
    bool layer_has_kv(uint32_t layer) const override { return layer < kv_cache_.size() && kv_cache_[layer]; }
    uint64_t recurrent_state_bytes() const override { return state_->bytes(); }
    Status read_recurrent_state(uint8_t *dst) const override { return state_->read(dst); }
    Status write_recurrent_state(const uint8_t *src) override { return state_->write(src); }
    Status clear_recurrent_state() override { return state_->clear(); }

private:
    // Evaluates tokens [0, n) of one chunk (n <= max_batch) at positions start_pos...; leaves x in scratch.
    // When want_last, the logits of the chunk's last token are in logits row 0 afterwards. first_chunk:
    // the eval's first, which reads the recurrent state eval started from.
    Status run_chunk(const int32_t *tokens, uint32_t n, uint32_t start_pos, bool want_last, bool first_chunk);
    // Logits of chunk tokens [first, first + n_rows) into dst (n_rows <= logits_rows).
    Status run_lm_head(uint32_t first, uint32_t n_rows, float *dst);
    GpuPass pass(const vulkan::Buffer *state_in = nullptr, const vulkan::Buffer *state_out = nullptr) const {
        return GpuPass{*hp_,       shape_,  *weights_,          *scratch_, kv_cache_, kv_layout_,
                       *rope_table_, &state_->layout(), state_in,  state_out};
    }

    // Bytes of device memory the expert cache may use (see GpuForwardOptions), from what the rest needs.
    StatusOr<uint64_t> expert_budget(const model::Model &model, const GpuForwardOptions &opts) const;

    const model::HParams *hp_ = nullptr;
    uint64_t expert_budget_bytes_ = 0;
    ActivationShape shape_{};
    uint32_t n_ctx_ = 0;
    bool replay_decode_ = true;  // keep the single-token recording and replay it (run_chunk)
    // declaration order = reverse destruction order: the device goes last
    std::unique_ptr<vulkan::Device> device_;
    std::unique_ptr<GpuKernels> kernels_;
    std::unique_ptr<vulkan::CommandStream> stream_;
    // Hybrid models: decode steps that read copy 1 of the recurrent state keep their replayed recording
    // here (stream_ keeps those that read copy 0)
    std::unique_ptr<vulkan::CommandStream> odd_stream_;
    std::unique_ptr<GpuModelWeights> weights_;
    std::unique_ptr<GpuScratch> scratch_;
    std::vector<std::unique_ptr<vulkan::Buffer>> kv_cache_;  // per layer; null for recurrent layers
    KvLayout kv_layout_;
    std::unique_ptr<vulkan::Buffer> rope_table_;
    std::unique_ptr<StreamingPass> streaming_;  // null when every expert is resident
    std::unique_ptr<RecurrentState> state_;     // empty for models without recurrent layers
};

// The hybrid architectures' own limits (docs/hybrid-models.md), checked before any device work. The kernels'
// limits (e.g. gated_delta's head_dim) refuse with kUnsupported when create()'s first evaluation records them.
Status check_hybrid(const model::HParams &hp) {
    if (hp.ssm_n_k_heads == 0 || hp.ssm_n_v_heads % hp.ssm_n_k_heads != 0)
        return unsupported("ssm value heads " + std::to_string(hp.ssm_n_v_heads) + " are not a multiple of key heads " +
                           std::to_string(hp.ssm_n_k_heads));
    if (hp.ssm_d_conv == 0 || hp.ssm_head_dim == 0) return unsupported("ssm conv kernel and head dim must be >= 1");
    if (hp.n_rot % 2 != 0 || hp.n_rot > hp.head_dim_k)
        return unsupported("n_rot " + std::to_string(hp.n_rot) + " must be even and at most head_dim_k " +
                           std::to_string(hp.head_dim_k));
    if (hp.head_dim_k != hp.head_dim_v)
        return unsupported("gated attention needs key_length == value_length (the gate has head_dim_k values per head)");
    if (hp.n_ff_shexp == 0) return unsupported("the shared expert has width 0");
    return Status::ok();
}

Status check_model(const model::HParams &hp) {
    if (hp.is_hybrid()) MOEVK_RETURN_IF_ERROR(check_hybrid(hp));
    if (hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0)
        return unsupported("n_head " + std::to_string(hp.n_head) + " is not a multiple of n_head_kv " +
                           std::to_string(hp.n_head_kv));
    if (hp.head_dim_k % 2 != 0) return unsupported("head_dim_k must be even for RoPE");
    if (hp.n_expert_used == 0 || hp.n_expert_used > kMaxExpertsUsed || hp.n_expert_used > hp.n_expert)
        return unsupported("n_expert_used " + std::to_string(hp.n_expert_used) + " (at most " +
                           std::to_string(kMaxExpertsUsed) + " and n_expert)");
    return Status::ok();
}

Status VulkanForward::init(const model::Model &model, const GpuForwardOptions &opts) {
    hp_ = &model.hp;
    const model::HParams &hp = model.hp;
    MOEVK_RETURN_IF_ERROR(check_model(hp));
    if (opts.n_ctx == 0) return invalid_arg("n_ctx must be > 0");
    n_ctx_ = opts.n_ctx;
    shape_ = ActivationShape::of(hp);

    vulkan::DeviceOptions dopts;
    dopts.index = opts.device_index;
    dopts.name_substring = opts.device_name;
    MOEVK_ASSIGN_OR_RETURN(device_, vulkan::Device::open(dopts));
    MOEVK_RETURN_IF_ERROR(device_->require(vulkan::kFeatureSubgroupArithmetic, "the forward pass"));
    kernels_ = std::make_unique<GpuKernels>(*device_, opts.kernel_tuning);
    MOEVK_ASSIGN_OR_RETURN(stream_, vulkan::CommandStream::create(*device_));
    stream_->enable_profiling(opts.profile);
    MOEVK_ASSIGN_OR_RETURN(state_, RecurrentState::create(*device_, hp));
    if (!state_->empty()) {
        MOEVK_ASSIGN_OR_RETURN(odd_stream_, vulkan::CommandStream::create(*device_));
        odd_stream_->enable_profiling(opts.profile);
    }
    replay_decode_ = opts.replay_decode;
    MOEVK_ASSIGN_OR_RETURN(scratch_, create_scratch(*device_, shape_, kernels_->prefill_batch()));

    MOEVK_ASSIGN_OR_RETURN(kv_layout_, make_kv_layout(opts.kv_type, n_ctx_, shape_.k_dim, shape_.v_dim));
    if (kv_layout_.total_bytes > device_->max_binding_bytes())
        return unsupported("the KV cache of one layer (" + std::to_string(kv_layout_.total_bytes) +
                           " bytes for n_ctx " + std::to_string(n_ctx_) +
                           ") is larger than the device can bind; use a smaller n_ctx");
    kv_cache_.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        if (hp.is_recurrent(il)) continue;  // GatedDeltaNet layers keep a recurrent state instead
        MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> kv,
                               vulkan::Buffer::create(*device_, kv_layout_.total_bytes, vulkan::MemoryUse::kDevice,
                                                      "kv_cache." + std::to_string(il)));
        MOEVK_RETURN_IF_ERROR(kv->fill_zero());  // never-written rows hold finite values
        kv_cache_[il] = std::move(kv);
    }
    // partial rotary (hybrid models): the table covers the n_rot rotated dims
    const std::vector<float> table = make_rope_table(n_ctx_, hp.n_rot > 0 ? hp.n_rot : hp.head_dim_k, hp.rope_freq_base);
    if (table.size() * 4 > device_->max_binding_bytes())
        return unsupported("the RoPE table for n_ctx " + std::to_string(n_ctx_) + " is larger than the device can bind");
    MOEVK_ASSIGN_OR_RETURN(rope_table_, vulkan::Buffer::create(*device_, table.size() * 4, vulkan::MemoryUse::kDevice,
                                                               "rope_table"));
    MOEVK_RETURN_IF_ERROR(rope_table_->upload(0, table.data(), table.size() * 4));

    MOEVK_ASSIGN_OR_RETURN(experts::ExpertLayout layout, experts::ExpertLayout::of(model));
    MOEVK_ASSIGN_OR_RETURN(expert_budget_bytes_, expert_budget(model, opts));
    const bool resident = expert_budget_bytes_ >= layout.total_bytes();
    WeightUploadOptions uopts;
    uopts.threads = opts.io_threads;
    uopts.force_staging = opts.expert_force_staging;
    MOEVK_ASSIGN_OR_RETURN(weights_, upload_weights(*device_, model, resident, uopts));
    if (resident) {
        expert_budget_bytes_ = layout.total_bytes();
    } else {
        experts::ExpertCacheOptions copts;
        const uint64_t n_slots = expert_budget_bytes_ / layout.slot_shape().expert_bytes();
        if (n_slots == 0)
            return invalid_arg("expert_cache_bytes " + std::to_string(expert_budget_bytes_) +
                               " is smaller than one expert (" + std::to_string(layout.slot_shape().expert_bytes()) + " bytes)");
        copts.n_slots = (uint32_t)std::min<uint64_t>(n_slots, (uint64_t)hp.n_layer * hp.n_expert);
        copts.io_threads = opts.io_threads;
        copts.direct_io = opts.direct_io;
        copts.force_staging = opts.expert_force_staging;
        copts.max_segment_bytes = opts.expert_segment_bytes;
        MOEVK_ASSIGN_OR_RETURN(streaming_, StreamingPass::create(*device_, model, copts));
        streaming_->set_prefetch(opts.expert_prefetch);
    }

    // Compile every pipeline now (and fail here, not in the first eval, if the device cannot run them):
    // one token at position 0, whose K/V the first real eval overwrites.
    const int32_t token = 0;
    std::vector<float> logits(hp.n_vocab);
    MOEVK_RETURN_IF_ERROR(
        eval(&token, 1, 0, logits.data(), nullptr, nullptr).with_prefix("first evaluation on " + device_name() + ": "));
    if (streaming_) {  // the warm-up is not the caller's work
        streaming_->cache().reset_stats();
        streaming_->forget_predictions();
    }
    (void)stream_->take_profile();
    return Status::ok();
}

StatusOr<uint64_t> VulkanForward::expert_budget(const model::Model &model, const GpuForwardOptions &opts) const {
    MOEVK_ASSIGN_OR_RETURN(experts::ExpertLayout layout, experts::ExpertLayout::of(model));
    const uint64_t all = layout.total_bytes();
    if (opts.expert_cache_percent >= 100) return all;
    if (opts.expert_cache_percent > 0) return all * (uint64_t)opts.expert_cache_percent / 100;
    if (opts.expert_cache_bytes >= 0) return (uint64_t)opts.expert_cache_bytes;
    // automatic: what the largest device-local heap holds besides the dense weights, KV and scratch, less
    // headroom for the driver and other users (a tenth of the heap, at least 512 MiB)
    const VkPhysicalDeviceMemoryProperties &mp = device_->memory_properties();
    uint64_t heap = 0;
    for (uint32_t h = 0; h < mp.memoryHeapCount; ++h)
        if (mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) heap = std::max<uint64_t>(heap, mp.memoryHeaps[h].size);
    uint64_t used = rope_table_->size_bytes() + 2 * state_->bytes();
    for (const auto &kv : kv_cache_)
        if (kv) used += kv->size_bytes();
    used += scratch_->total_bytes();
    for (const model::TensorInfo &t : model.file->tensors()) used += t.size_bytes;  // dense + all experts
    used -= all;
    const uint64_t headroom = std::max<uint64_t>(512ull << 20, heap / 10);
    if (used + headroom >= heap) return layout.slot_shape().expert_bytes() * model.hp.n_expert_used;  // the least that works well
    return heap - used - headroom;
}

Status VulkanForward::run_chunk(const int32_t *tokens, uint32_t n, uint32_t start_pos, bool want_last,
                                bool first_chunk) {
    std::vector<int32_t> positions(n);
    for (uint32_t i = 0; i < n; ++i) positions[i] = (int32_t)(start_pos + i);
    MOEVK_RETURN_IF_ERROR(scratch_->tokens->upload(0, tokens, 4ull * n));
    MOEVK_RETURN_IF_ERROR(scratch_->positions->upload(0, positions.data(), 4ull * n));
    const vulkan::Buffer *state_in = state_->chunk_input(first_chunk), *state_out = state_->output();
    const GpuPass p = pass(state_in, state_out);
    if (streaming_) {
        GpuRecorder rec{*kernels_, *stream_};
        return streaming_->run_chunk(rec, p, n, want_last);
    }
    // A single-token step records the same commands at every position (positions and tokens are read from
    // scratch buffers on the GPU), so it is recorded once and replayed: no CPU recording per decode step.
    // Hybrid models alternate between the two copies of the recurrent state: one recording per copy, each
    // kept in its own stream. A step updating the state in place (from the zero state) is not kept.
    const bool in_place = state_in != nullptr && state_in == state_out;
    const uint64_t tag = n == 1 && replay_decode_ && !in_place ? (want_last ? 2 : 1) : 0;
    vulkan::CommandStream &stream = tag != 0 && state_->parity() == 1 ? *odd_stream_ : *stream_;
    GpuRecorder rec{*kernels_, stream};
    if (stream.can_replay(tag)) return stream.replay_and_wait();
    MOEVK_RETURN_IF_ERROR(stream.begin(tag));
    MOEVK_RETURN_IF_ERROR(record_embedding(rec, p, n));
    for (uint32_t il = 0; il < hp_->n_layer; ++il) MOEVK_RETURN_IF_ERROR(record_layer(rec, p, il, n));
    if (want_last) MOEVK_RETURN_IF_ERROR(record_lm_head(rec, p, n - 1, 1));
    return stream.submit_and_wait();
}

Status VulkanForward::run_lm_head(uint32_t first, uint32_t n_rows, float *dst) {
    GpuRecorder rec{*kernels_, *stream_};
    MOEVK_RETURN_IF_ERROR(stream_->begin());
    MOEVK_RETURN_IF_ERROR(record_lm_head(rec, pass(), first, n_rows));
    MOEVK_RETURN_IF_ERROR(stream_->submit_and_wait());
    return scratch_->logits->download(0, dst, 4ull * n_rows * shape_.n_vocab);
}

Status VulkanForward::eval(const int32_t *tokens, uint32_t n, uint32_t start_pos, float *last_logits,
                           float *all_logits, RoutingTrace *trace) {
    if (n == 0) return Status::ok();
    if (tokens == nullptr || (uint64_t)start_pos + n > n_ctx_)
        return invalid_arg("eval: positions [" + std::to_string(start_pos) + ", " + std::to_string((uint64_t)start_pos + n) +
                           ") outside n_ctx " + std::to_string(n_ctx_));
    const uint32_t n_vocab = shape_.n_vocab, k = shape_.k_used, batch = scratch_->max_batch;
    // results collect here and reach the caller only when everything succeeded
    std::vector<float> all, last;
    if (all_logits) all.resize((size_t)n * n_vocab);
    RoutingTrace new_trace;
    if (trace) new_trace.ids.assign(hp_->n_layer, std::vector<std::vector<int32_t>>(n));
    std::vector<int32_t> ids;
    // an eval at position 0 starts from the zero state (the state before position 0)
    MOEVK_RETURN_IF_ERROR(state_->begin_eval(start_pos == 0));

    for (uint32_t c0 = 0; c0 < n; c0 += batch) {
        const uint32_t m = std::min(batch, n - c0);
        const bool final_chunk = c0 + m == n;
        const bool want_last = final_chunk && last_logits && !all_logits;
        MOEVK_RETURN_IF_ERROR(run_chunk(tokens + c0, m, start_pos + c0, want_last, c0 == 0));
        if (want_last) {
            last.resize(n_vocab);
            MOEVK_RETURN_IF_ERROR(scratch_->logits->download(0, last.data(), 4ull * n_vocab));
        }
        if (trace) {
            ids.resize((size_t)hp_->n_layer * batch * k);
            MOEVK_RETURN_IF_ERROR(scratch_->expert_ids->download(0, ids.data(), ids.size() * 4));
            for (uint32_t il = 0; il < hp_->n_layer; ++il)
                for (uint32_t i = 0; i < m; ++i) {
                    const int32_t *src = ids.data() + ((size_t)il * batch + i) * k;
                    new_trace.ids[il][c0 + i].assign(src, src + k);
                }
        }
        if (all_logits) {
            for (uint32_t r0 = 0; r0 < m; r0 += scratch_->logits_rows) {
                const uint32_t rows = std::min(scratch_->logits_rows, m - r0);
                MOEVK_RETURN_IF_ERROR(run_lm_head(r0, rows, all.data() + (size_t)(c0 + r0) * n_vocab));
            }
        }
    }
    state_->commit();
    if (all_logits) {
        std::memcpy(all_logits, all.data(), all.size() * sizeof(float));
        if (last_logits) std::memcpy(last_logits, all.data() + (size_t)(n - 1) * n_vocab, n_vocab * sizeof(float));
    } else if (last_logits) {
        std::memcpy(last_logits, last.data(), n_vocab * sizeof(float));
    }
    if (trace) *trace = std::move(new_trace);
    return Status::ok();
}

Status VulkanForward::read_kv(uint32_t layer, uint32_t n_pos, uint8_t *dst) const {
    if (!layer_has_kv(layer) || n_pos > n_ctx_ || (dst == nullptr && n_pos > 0))
        return invalid_arg("read_kv: layer " + std::to_string(layer) + " / n_pos " + std::to_string(n_pos) +
                           " out of range (or a layer without K/V)");
    return kv_export(*kv_cache_[layer], kv_layout_, n_pos, dst);
}

Status VulkanForward::write_kv(uint32_t layer, uint32_t n_pos, const uint8_t *src) {
    if (!layer_has_kv(layer) || n_pos > n_ctx_ || (src == nullptr && n_pos > 0))
        return invalid_arg("write_kv: layer " + std::to_string(layer) + " / n_pos " + std::to_string(n_pos) +
                           " out of range (or a layer without K/V)");
    return kv_import(*kv_cache_[layer], kv_layout_, n_pos, src);
}

}  // namespace

StatusOr<std::unique_ptr<GpuForward>> GpuForward::create(const model::Model &model, const GpuForwardOptions &opts) {
    auto fwd = std::make_unique<VulkanForward>();
    MOEVK_RETURN_IF_ERROR(fwd->init(model, opts));
    return std::unique_ptr<GpuForward>(std::move(fwd));
}

}  // namespace moevk::session
