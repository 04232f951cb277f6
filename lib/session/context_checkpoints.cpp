// context_checkpoints.cpp — checkpoints of a session and everything that moves the session back to one:
// automatic checkpoints during evaluation, the explicit checkpoint_* calls and the lossless memory_seq_rm
// of models with recurrent state (restore the newest checkpoint at or before p0, replay the stored tokens).
// Attention K/V needs none of this: it truncates exactly. Rules and costs: docs/checkpoints.md.
#include <algorithm>
#include <chrono>
#include <cstring>

#include "session/context.h"

namespace moevk::session {

CheckpointLimits Context::checkpoint_limits() const {
    CheckpointLimits l;
    l.max_checkpoints = opts_.runtime.max_checkpoints;
    l.max_bytes = checkpoint_byte_limit(opts_.runtime, gpu_->recurrent_state_bytes());
    return l;
}

Status Context::read_recurrent(std::vector<uint8_t> &out) const {
    out.resize(gpu_->recurrent_state_bytes());
    if (out.empty()) return Status::ok();
    return gpu_->read_recurrent_state(out.data());
}

Status Context::write_recurrent(const std::vector<uint8_t> &state) {
    if (!has_recurrent_state()) return Status::ok();
    if (!state.empty() && state.size() != gpu_->recurrent_state_bytes())
        return internal_error("checkpoint state has the wrong size");
    Status s = state.empty() ? gpu_->clear_recurrent_state() : gpu_->write_recurrent_state(state.data());
    if (s.is_ok() && recurrent_write_fault_for_testing) s = recurrent_write_fault_for_testing();
    return s;
}

// The device lost both the new and the old state: never claim either.
void Context::lose_session() {
    tokens_.clear();
    last_logits_.clear();
    checkpoints_.clear();
    ++generation_;
}

// Automatic checkpoints that alone pass checkpoint_bytes are not kept: they would evict every other one.
void Context::add_automatic(std::vector<Checkpoint> made) {
    const CheckpointLimits limits = checkpoint_limits();
    for (Checkpoint &c : made) {
        if ((int64_t)c.state.size() > limits.max_bytes) continue;
        checkpoints_.put(c.pos, std::move(c.state), limits);
    }
}

StatusOr<Context::EvalResult> Context::run_eval(const int32_t *tokens, uint32_t n, uint32_t start_pos,
                                                float *last_logits, float *all_logits, RoutingTrace *trace,
                                                bool end_checkpoint) {
    const uint32_t end = start_pos + n;
    const uint64_t interval = (uint64_t)opts_.runtime.checkpoint_interval;
    std::vector<uint32_t> marks;  // checkpoint positions in (start_pos, end], increasing
    if (interval > 0)
        for (uint64_t p = (start_pos / interval + 1) * interval; p <= end; p += interval) marks.push_back((uint32_t)p);
    if (end_checkpoint && (marks.empty() || marks.back() != end)) marks.push_back(end);

    EvalResult result;
    const bool recurrent = has_recurrent_state();
    if (recurrent && start_pos == 0) MOEVK_RETURN_IF_ERROR(gpu_->clear_recurrent_state());
    if (!recurrent) {
        // A checkpoint is just a position here: nothing to read, so the eval is not split.
        const auto t0 = std::chrono::steady_clock::now();
        MOEVK_RETURN_IF_ERROR(gpu_->eval(tokens, n, start_pos, last_logits, all_logits, trace));
        result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (uint32_t p : marks) result.made.push_back(Checkpoint{(int32_t)p, {}, 0});
        return result;
    }

    // Split at the marks so the state at exactly each of them can be read. The GPU keeps its old recurrent
    // state when one eval fails, but not across pieces: keep the state before the call to undo with.
    std::vector<uint8_t> before;
    if (!marks.empty() && start_pos > 0) MOEVK_RETURN_IF_ERROR(read_recurrent(before));
    auto undo = [&](const Status &failure) -> Status {
        const Status s = write_recurrent(before);
        if (s.is_ok()) return failure;
        lose_session();
        return failure.with_prefix("evaluation failed and the previous recurrent state could not be restored (" +
                                   s.message() + "); the session was cleared: ");
    };
    const uint32_t n_vocab = model_->hp.n_vocab;
    std::vector<float> piece_logits(n_vocab);
    RoutingTrace piece_trace;
    if (trace) trace->ids.assign(model_->hp.n_layer, {});
    uint32_t at = start_pos;
    size_t next_mark = 0;
    while (at < end) {
        const uint32_t stop = next_mark < marks.size() ? marks[next_mark] : end;
        const bool last = stop == end;
        const auto t0 = std::chrono::steady_clock::now();
        Status s = gpu_->eval(tokens + (at - start_pos), stop - at, at, last ? last_logits : piece_logits.data(),
                              all_logits ? all_logits + (size_t)(at - start_pos) * n_vocab : nullptr,
                              trace ? &piece_trace : nullptr);
        result.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!s.is_ok()) return at == start_pos ? s : undo(s);
        if (trace)
            for (size_t l = 0; l < piece_trace.ids.size() && l < trace->ids.size(); ++l)
                trace->ids[l].insert(trace->ids[l].end(), piece_trace.ids[l].begin(), piece_trace.ids[l].end());
        if (next_mark < marks.size() && marks[next_mark] == stop) {
            Checkpoint c;
            c.pos = (int32_t)stop;
            s = read_recurrent(c.state);
            if (!s.is_ok()) return undo(s);
            result.made.push_back(std::move(c));
            ++next_mark;
        }
        at = stop;
    }
    return result;
}

Status Context::rewind_to(int32_t p0) {
    const int64_t max_replay = opts_.runtime.max_replay_tokens;
    const Checkpoint *from = checkpoints_.newest_at_or_before(p0);
    const int32_t from_pos = from ? from->pos : 0;  // position 0 is always there: the zero state
    const int32_t n_replay = p0 - from_pos;
    if (n_replay > max_replay)
        return Status(StatusCode::kCannotTruncate,
                      "cannot remove positions from " + std::to_string(p0) + ": the recurrent state must be rebuilt "
                      "from the newest checkpoint at or before it (position " + std::to_string(from_pos) + "), which "
                      "needs " + std::to_string(n_replay) + " tokens of replay, more than max_replay_tokens " +
                      std::to_string(max_replay) + "; the context is unchanged");

    // Keep what an undo needs: the recurrent state now and, when tokens are replayed, the K/V rows they
    // rewrite (a replay in other batches may not reproduce them bit for bit).
    std::vector<uint8_t> old_state;
    MOEVK_RETURN_IF_ERROR(read_recurrent(old_state));
    std::vector<std::vector<uint8_t>> old_kv(model_->hp.n_layer);
    if (n_replay > 0) {
        for (uint32_t l = 0; l < model_->hp.n_layer; ++l) {
            if (!gpu_->layer_has_kv(l)) continue;
            old_kv[l].resize(gpu_->kv_layer_bytes((uint32_t)p0));
            MOEVK_RETURN_IF_ERROR(gpu_->read_kv(l, (uint32_t)p0, old_kv[l].data()));
        }
    }
    auto undo = [&](const Status &failure) -> Status {
        Status s = write_recurrent(old_state);
        for (uint32_t l = 0; l < model_->hp.n_layer && s.is_ok(); ++l)
            if (!old_kv[l].empty()) s = gpu_->write_kv(l, (uint32_t)p0, old_kv[l].data());
        if (s.is_ok()) return failure.with_prefix("memory_seq_rm failed; the context is unchanged: ");
        lose_session();
        return failure.with_prefix("memory_seq_rm failed and the previous state could not be restored (" +
                                   s.message() + "); the session was cleared: ");
    };

    Status s = write_recurrent(from ? from->state : std::vector<uint8_t>());
    if (!s.is_ok()) return undo(s);
    EvalResult replayed;
    if (n_replay > 0) {
        std::vector<float> scratch_logits(model_->hp.n_vocab);
        const std::vector<int32_t> replay(tokens_.begin() + from_pos, tokens_.begin() + p0);
        StatusOr<EvalResult> r = run_eval(replay.data(), (uint32_t)n_replay, (uint32_t)from_pos,
                                          scratch_logits.data(), nullptr, nullptr, true);
        if (!r.is_ok()) return tokens_.empty() ? r.status() : undo(r.status());
        replayed = std::move(r).value();
        stats_.tokens_evaluated += (uint64_t)n_replay;
    }
    tokens_.resize((size_t)p0);
    checkpoints_.drop_after(p0);
    add_automatic(std::move(replayed.made));
    return Status::ok();
}

Status Context::checkpoint_save(int32_t pos) {
    const int32_t end = pos_max() + 1;
    if (pos != end)
        return invalid_arg("checkpoint_save: pos " + std::to_string(pos) + " is not the end of the sequence (" +
                           std::to_string(end) + ")");
    Checkpoint c;
    c.pos = pos;
    if (pos > 0) MOEVK_RETURN_IF_ERROR(read_recurrent(c.state));
    const CheckpointLimits limits = checkpoint_limits();
    if ((int64_t)c.state.size() > limits.max_bytes)
        return Status(StatusCode::kOutOfMemory, "checkpoint_save: the recurrent state takes " +
                                                    std::to_string(c.state.size()) + " bytes, more than checkpoint_bytes " +
                                                    std::to_string(limits.max_bytes));
    checkpoints_.put(pos, std::move(c.state), limits);
    ++generation_;
    return Status::ok();
}

Status Context::checkpoint_restore(int32_t pos) {
    const Checkpoint *c = checkpoints_.find(pos);
    if (!c) return Status(StatusCode::kNoCheckpoint, "no checkpoint at position " + std::to_string(pos));
    if (has_recurrent_state()) {
        std::vector<uint8_t> old_state;
        MOEVK_RETURN_IF_ERROR(read_recurrent(old_state));
        const Status s = write_recurrent(c->state);
        if (!s.is_ok()) {
            const Status back = write_recurrent(old_state);
            if (back.is_ok()) return s.with_prefix("checkpoint_restore failed; the context is unchanged: ");
            lose_session();
            return s.with_prefix("checkpoint_restore failed and the previous recurrent state could not be restored (" +
                                 back.message() + "); the session was cleared: ");
        }
    }
    tokens_.resize((size_t)pos);
    checkpoints_.drop_after(pos);
    last_logits_.clear();  // as after memory_seq_rm: logits come back with the next eval
    ++generation_;
    return Status::ok();
}

Status Context::checkpoint_forget(int32_t pos) {
    if (!checkpoints_.forget(pos))
        return Status(StatusCode::kNoCheckpoint, "no checkpoint at position " + std::to_string(pos));
    ++generation_;
    return Status::ok();
}

}  // namespace moevk::session
