// context.cpp — position bookkeeping and argument checks around the GPU forward pass. Every check that can
// fail happens before any work, and state is only committed after the GPU work succeeded.
#include "session/context.h"

#include <algorithm>
#include <cstring>

namespace moevk::session {

StatusOr<std::unique_ptr<Context>> Context::open(const std::string &model_path, const ContextOptions &opts) {
    std::unique_ptr<Context> ctx(new Context());
    MOEVK_ASSIGN_OR_RETURN(ctx->model_, model::load_model(model_path));
    const model::HParams &hp = ctx->model_->hp;

    int64_t n_ctx = opts.n_ctx;
    if (n_ctx == 0) n_ctx = std::min<int64_t>(hp.n_ctx_train > 0 ? hp.n_ctx_train : kDefaultMaxCtx, kDefaultMaxCtx);
    if (n_ctx < 1 || n_ctx > INT32_MAX)
        return invalid_arg("n_ctx " + std::to_string(n_ctx) + " out of range [1, 2^31)");
    ctx->n_ctx_ = (uint32_t)n_ctx;
    ctx->opts_ = opts;

    GpuForwardOptions gopts;
    gopts.n_ctx = ctx->n_ctx_;
    gopts.kv_type = opts.kv_type;
    gopts.device_index = opts.device_index;
    gopts.device_name = opts.device_name;
    gopts.expert_cache_bytes = opts.expert_cache_bytes;
    gopts.expert_cache_percent = opts.expert_cache_percent;
    gopts.io_threads = (uint32_t)opts.io_threads;
    gopts.direct_io = opts.expert_direct_io;
    gopts.profile = opts.gpu_profile;
    gopts.replay_decode = opts.gpu_replay_decode;
    gopts.kernel_tuning = opts.gpu_kernel_tuning;
    MOEVK_ASSIGN_OR_RETURN(ctx->gpu_, GpuForward::create(*ctx->model_, gopts));
    ctx->fingerprint_ = model::fingerprint(*ctx->model_->file);
    return ctx;
}

Status Context::eval(const int32_t *tokens, int32_t n, int32_t start_pos, float *logits, float *all_logits,
                     RoutingTrace *trace) {
    if (n < 0) return invalid_arg("n_tokens is negative (" + std::to_string(n) + ")");
    if (n == 0) return Status::ok();
    if (tokens == nullptr) return invalid_arg("tokens is NULL with n_tokens " + std::to_string(n));
    const int32_t expected = pos_max() + 1;
    if (start_pos != expected)
        return invalid_arg("start_pos " + std::to_string(start_pos) + " does not continue the context: expected " +
                           std::to_string(expected));
    const uint32_t n_vocab = model_->hp.n_vocab;
    for (int32_t i = 0; i < n; ++i) {
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= n_vocab)
            return invalid_arg("token " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                               " is out of range [0, " + std::to_string(n_vocab) + ")");
    }
    if ((int64_t)start_pos + n > (int64_t)n_ctx_)
        return Status(StatusCode::kCtxFull, "positions [" + std::to_string(start_pos) + ", " +
                                                std::to_string((int64_t)start_pos + n) + ") pass n_ctx " +
                                                std::to_string(n_ctx_));

    // Compute into scratch first; the context only changes once the GPU work succeeded. A prompt (more
    // than one token) ends with an automatic checkpoint; single-token decode steps do not, so decoding
    // never pushes a prompt's checkpoints out (docs/checkpoints.md).
    std::vector<float> new_logits(n_vocab);
    MOEVK_ASSIGN_OR_RETURN(EvalResult r, run_eval(tokens, (uint32_t)n, (uint32_t)start_pos, new_logits.data(),
                                                  all_logits, trace, n >= 2));
    const double seconds = r.seconds;

    tokens_.insert(tokens_.end(), tokens, tokens + n);
    last_logits_.swap(new_logits);
    add_automatic(std::move(r.made));
    ++generation_;
    if (logits) std::memcpy(logits, last_logits_.data(), n_vocab * sizeof(float));
    stats_.tokens_evaluated += (uint64_t)n;
    if (n == 1) {
        stats_.decode_tokens += 1;
        stats_.decode_seconds += seconds;
    } else {
        stats_.prompt_tokens += (uint64_t)n;
        stats_.prompt_seconds += seconds;
    }
    return Status::ok();
}

Status Context::get_logits(float *dst, size_t dst_capacity) const {
    if (dst == nullptr) return invalid_arg("dst is NULL");
    if (last_logits_.empty()) return invalid_arg("no logits: nothing has been evaluated since open or clear");
    if (dst_capacity < last_logits_.size())
        return Status(StatusCode::kBufferTooSmall, "dst_capacity " + std::to_string(dst_capacity) +
                                                       " is smaller than n_vocab " +
                                                       std::to_string(last_logits_.size()));
    std::memcpy(dst, last_logits_.data(), last_logits_.size() * sizeof(float));
    return Status::ok();
}

void Context::clear() {
    tokens_.clear();
    checkpoints_.clear();
    last_logits_.clear();
    ++generation_;
}

Status Context::seq_rm(int32_t seq_id, int32_t p0, int32_t p1) {
    if (seq_id != 0 && seq_id != -1)
        return invalid_arg("seq_id " + std::to_string(seq_id) + ": a context holds one sequence (0, or -1 for any)");
    const int32_t end = pos_max() + 1;
    if (p0 < 0) p0 = 0;
    if (p1 < 0) p1 = INT32_MAX;
    if (p1 < p0) return invalid_arg("p1 " + std::to_string(p1) + " < p0 " + std::to_string(p0));
    if (p0 >= end || p0 == p1) return Status::ok();  // nothing stored in the range
    if (p1 < end)
        return unsupported("only a tail can be removed: [" + std::to_string(p0) + ", " + std::to_string(p1) +
                           ") ends before the last position " + std::to_string(end - 1));
    // Attention K/V truncates exactly: positions >= p0 are simply no longer read. Recurrent state cannot
    // be cut; it is rebuilt from a checkpoint (context_checkpoints.cpp).
    if (has_recurrent_state()) {
        MOEVK_RETURN_IF_ERROR(rewind_to(p0));
    } else {
        tokens_.resize((size_t)p0);
        checkpoints_.drop_after(p0);
    }
    ++generation_;
    // The logits of the new last position are not kept: they are unavailable until the next eval (also
    // when a replay computed them, so that every model behaves the same).
    last_logits_.clear();
    return Status::ok();
}

Status Context::set_runtime(const std::string &key, int64_t value) {
    MOEVK_RETURN_IF_ERROR(apply_runtime_setting(opts_.runtime, key, value));
    checkpoints_.enforce(checkpoint_limits());  // a lowered limit applies at once
    ++generation_;
    return Status::ok();
}

}  // namespace moevk::session
