// context_state.cpp — snapshots of a session: reads the KV cache layer by layer (and the recurrent state and,
// when state_save_checkpoints is set, the checkpoints) into lib/state's encoder, and applies a decoded
// snapshot transactionally. The wire format itself lives in lib/state; this file only
// decides what a snapshot of this context contains and how the switch to a loaded one stays all-or-nothing.
#include <cstring>

#include "engine.h"
#include "session/context.h"
#include "state/file_io.h"
#include "state/format.h"
#include "state/snapshot.h"

namespace moevk::session {
namespace {

uint32_t kv_type_id(KvType t) {
    switch (t) {
        case KvType::kF32: return state::kKvF32;
        case KvType::kF16: return state::kKvF16;
        case KvType::kQ8_0: return state::kKvQ8_0;
    }
    return UINT32_MAX;
}

state::SnapshotShape shape_of(const model::HParams &hp, const model::Fingerprint &fp, KvType kv) {
    state::SnapshotShape s;
    for (int i = 0; i < 8; ++i) {
        s.fingerprint[i] = (uint8_t)(fp.low >> (8 * i));
        s.fingerprint[8 + i] = (uint8_t)(fp.high >> (8 * i));
    }
    s.n_vocab = hp.n_vocab;
    s.n_layer = hp.n_layer;
    s.kv_type = kv_type_id(kv);
    s.k_row_values = hp.n_head_kv * hp.head_dim_k;
    s.v_row_values = hp.n_head_kv * hp.head_dim_v;
    if (hp.is_hybrid()) {
        // GpuForward's recurrent state layout (gpu_forward.h): float32 conv [conv_dim][d_conv - 1], then SSM
        // [n_v_heads][head_dim][head_dim], per recurrent layer.
        s.conv_bytes.assign(hp.n_layer, 0);
        s.ssm_bytes.assign(hp.n_layer, 0);
        for (uint32_t l = 0; l < hp.n_layer; ++l) {
            if (!hp.is_recurrent(l)) continue;
            s.conv_bytes[l] = 4ull * hp.ssm_conv_dim() * (hp.ssm_d_conv - 1);
            s.ssm_bytes[l] = 4ull * hp.ssm_n_v_heads * hp.ssm_head_dim * hp.ssm_head_dim;
        }
    }
    return s;
}

}  // namespace

StatusOr<std::vector<uint8_t>> Context::encode_state() const {
    state::SnapshotSource src;
    src.shape = shape_of(model_->hp, fingerprint_, gpu_->kv_type());
    src.writer_version = MOEVK_VERSION_NUMBER;
    src.tokens = &tokens_;
    src.logits = &last_logits_;
    const uint32_t n_pos = (uint32_t)tokens_.size();
    if (gpu_->kv_layer_bytes(n_pos) != state::attn_kv_bytes(src.shape, n_pos))
        return internal_error("KV cache export size differs from the snapshot format's row size");
    if (gpu_->recurrent_state_bytes() != state::recurrent_state_bytes(src.shape))
        return internal_error("recurrent state export size differs from the snapshot format's");
    src.read_layer = [&](uint32_t layer, std::vector<uint8_t> &out) {
        return gpu_->read_kv(layer, n_pos, out.data());
    };
    // An empty session's state is the zero state, whatever the device still holds from before a clear.
    std::vector<uint8_t> recurrent(gpu_->recurrent_state_bytes(), 0);
    if (n_pos > 0) MOEVK_RETURN_IF_ERROR(read_recurrent(recurrent));
    src.recurrent_state = &recurrent;
    std::vector<state::SnapshotCheckpoint> checkpoints;
    if (opts_.runtime.state_save_checkpoints) {
        for (const Checkpoint &c : checkpoints_.by_position())
            checkpoints.push_back(state::SnapshotCheckpoint{(uint32_t)c.pos, c.state});
    }
    src.checkpoints = &checkpoints;
    return state::encode(src, (int)opts_.runtime.state_compression_level);
}

Status Context::save_state(uint8_t *dst, size_t dst_capacity, size_t *out_size) {
    const int64_t level = opts_.runtime.state_compression_level;
    if (saved_generation_ != generation_ || saved_level_ != level) {
        saved_.clear();
        saved_generation_ = UINT64_MAX;
        MOEVK_ASSIGN_OR_RETURN(saved_, encode_state());
        saved_generation_ = generation_;
        saved_level_ = level;
    }
    *out_size = saved_.size();
    if (dst == nullptr) return Status::ok();
    if (dst_capacity < saved_.size())
        return Status(StatusCode::kBufferTooSmall, "dst_capacity " + std::to_string(dst_capacity) +
                                                       " is smaller than the snapshot's " +
                                                       std::to_string(saved_.size()) + " bytes");
    std::memcpy(dst, saved_.data(), saved_.size());
    // The copy is the caller's now; holding a second one until the next change would double the memory.
    std::vector<uint8_t>().swap(saved_);
    saved_generation_ = UINT64_MAX;
    return Status::ok();
}

Status Context::save_state_file(const std::string &path) {
    MOEVK_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, encode_state());
    return state::write_file_atomic(path, bytes.data(), bytes.size());
}

Status Context::load_state_file(const std::string &path) {
    MOEVK_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, state::read_whole_file(path));
    return load_state(bytes.data(), bytes.size()).with_prefix(path + ": ");
}

Status Context::load_state(const uint8_t *src, size_t src_size) {
    // 1. Decode and verify everything into scratch memory; the context is untouched on any failure.
    const state::SnapshotShape shape = shape_of(model_->hp, fingerprint_, gpu_->kv_type());
    MOEVK_ASSIGN_OR_RETURN(state::Snapshot snap, state::decode(src, src_size, shape, n_ctx_));
    const uint32_t n_layer = model_->hp.n_layer;
    const uint32_t old_pos = (uint32_t)tokens_.size();

    // 2. Keep the cache rows the session owns now, so a device failure half-way can put them back.
    //    Rows past the session's end are never read (gpu_forward.h), so [0, old_pos) is all there is to keep.
    std::vector<std::vector<uint8_t>> old_kv(n_layer);
    if (old_pos > 0) {
        for (uint32_t l = 0; l < n_layer; ++l) {
            if (!gpu_->layer_has_kv(l)) continue;
            old_kv[l].resize(gpu_->kv_layer_bytes(old_pos));
            MOEVK_RETURN_IF_ERROR(gpu_->read_kv(l, old_pos, old_kv[l].data()));
        }
    }
    std::vector<uint8_t> old_state;  // empty: the zero state of an empty session
    if (old_pos > 0) MOEVK_RETURN_IF_ERROR(read_recurrent(old_state));

    // 3. Switch. write_kv of n_pos rows leaves the rows past n_pos alone.
    auto write = [&](uint32_t layer, uint32_t n_pos, const uint8_t *src, bool restoring) {
        Status s = gpu_->write_kv(layer, n_pos, src);
        if (s.is_ok() && kv_write_fault_for_testing) s = kv_write_fault_for_testing(layer, restoring);
        return s;
    };
    // Undo after a failure at layer `failed` (n_layer: while writing the recurrent state).
    auto undo = [&](uint32_t failed, const Status &s) -> Status {
        Status back = write_recurrent(old_state);
        for (uint32_t u = 0; u <= failed && u < n_layer && back.is_ok() && old_pos > 0; ++u)
            if (gpu_->layer_has_kv(u)) back = write(u, old_pos, old_kv[u].data(), true);
        if (back.is_ok()) return s.with_prefix("loading the snapshot failed; the session is unchanged: ");
        // The device lost both states: never claim either. The session is emptied and says so.
        lose_session();
        return s.with_prefix("loading the snapshot failed and the previous state could not be restored "
                             "(" + back.message() + "); the session was cleared: ");
    };
    if (snap.n_pos > 0) {
        for (uint32_t l = 0; l < n_layer; ++l) {
            if (!gpu_->layer_has_kv(l)) continue;
            Status s = write(l, snap.n_pos, snap.layers[l].data(), false);
            if (!s.is_ok()) return undo(l, s);  // undoes this layer too: it may be partly written
        }
    }
    if (has_recurrent_state()) {
        Status s = write_recurrent(snap.recurrent_state);
        if (!s.is_ok()) return undo(n_layer, s);
    }
    tokens_ = std::move(snap.tokens);
    last_logits_ = std::move(snap.logits);
    // The loaded state replaces the session's checkpoints: the file's (when it carries any), and its end,
    // as at the end of an eval.
    checkpoints_.clear();
    std::vector<Checkpoint> loaded;
    for (state::SnapshotCheckpoint &c : snap.checkpoints) loaded.push_back(Checkpoint{(int32_t)c.pos, std::move(c.state), 0});
    if (snap.n_pos > 0 && (loaded.empty() || loaded.back().pos != (int32_t)snap.n_pos))
        loaded.push_back(Checkpoint{(int32_t)snap.n_pos, snap.recurrent_state, 0});
    add_automatic(std::move(loaded));
    ++generation_;
    return Status::ok();
}

}  // namespace moevk::session
