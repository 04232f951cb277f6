// context.h — one inference session: a model on a device, the sequence of evaluated tokens and positions,
// the last logits, statistics. Enforces the position rules of the C API (continuation, n_ctx, tail-only
// removal) and keeps the "a failed call changes nothing" promise; the GPU work itself is in GpuForward.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "session/checkpoints.h"
#include "session/gpu_forward.h"
#include "session/options.h"

namespace moevk::session {

struct Stats {
    uint64_t tokens_evaluated = 0;
    uint64_t prompt_tokens = 0, decode_tokens = 0;
    double prompt_seconds = 0, decode_seconds = 0;
    experts::ExpertStats experts;  // expert cache counters (zero when every expert is resident)
};

class Context {
public:
    // Loads the model and uploads it to the chosen device.
    static StatusOr<std::unique_ptr<Context>> open(const std::string &model_path, const ContextOptions &opts);

    // eval_prompt semantics of include/engine.h. all_logits / trace are for tests (n * n_vocab floats).
    Status eval(const int32_t *tokens, int32_t n, int32_t start_pos, float *logits,
                float *all_logits = nullptr, RoutingTrace *trace = nullptr);
    Status get_logits(float *dst, size_t dst_capacity) const;
    void clear();
    // Removes the tail [p0, end). Models with recurrent state rewind through a checkpoint and replay the
    // stored tokens (context_checkpoints.cpp); kCannotTruncate when no checkpoint is close enough.
    Status seq_rm(int32_t seq_id, int32_t p0, int32_t p1);
    int32_t pos_max() const { return (int32_t)tokens_.size() - 1; }
    Status set_runtime(const std::string &key, int64_t value);

    // Explicit checkpoints (engine.h; context_checkpoints.cpp). A checkpoint at pos is the state after
    // tokens [0, pos); every held checkpoint has pos <= pos_max() + 1.
    Status checkpoint_save(int32_t pos);
    Status checkpoint_restore(int32_t pos);
    Status checkpoint_forget(int32_t pos);
    int32_t checkpoint_count() const { return checkpoints_.count(); }
    const Checkpoints &checkpoints() const { return checkpoints_; }

    // State snapshots (context_state.cpp; docs/state-format.md). save_state: dst NULL asks for the size;
    // the encoded snapshot is kept until the session changes, so the usual size-then-copy pair encodes once.
    // load_state is transactional: everything is decoded and verified before the context is touched.
    Status save_state(uint8_t *dst, size_t dst_capacity, size_t *out_size);
    Status load_state(const uint8_t *src, size_t src_size);
    Status save_state_file(const std::string &path);
    Status load_state_file(const std::string &path);
    // Test seam for the device failing half-way through a load: called after each write_kv of a load
    // (restoring: while writing the previous K/V back); a non-OK status counts as that write failing.
    std::function<Status(uint32_t layer, bool restoring)> kv_write_fault_for_testing;
    // Test seam for the device failing while recurrent state is written (checkpoint_restore, memory_seq_rm's
    // restore from a checkpoint, a snapshot load, and the undo of each): called after each such write; a
    // non-OK status counts as that write failing.
    std::function<Status()> recurrent_write_fault_for_testing;

    const model::HParams &hparams() const { return model_->hp; }
    const model::Model &model() const { return *model_; }
    uint32_t n_ctx() const { return n_ctx_; }
    const std::string &device_name() const { return gpu_->device_name(); }
    Stats stats() const {
        Stats s = stats_;
        s.experts = gpu_->expert_stats();
        return s;
    }
    const GpuForward &gpu() const { return *gpu_; }
    const std::vector<int32_t> &tokens() const { return tokens_; }

private:
    Context() = default;
    std::unique_ptr<model::Model> model_;
    std::unique_ptr<GpuForward> gpu_;
    ContextOptions opts_;
    uint32_t n_ctx_ = 0;
    std::vector<int32_t> tokens_;      // tokens at positions [0, size): the sequence
    std::vector<float> last_logits_;   // next-token logits of the last position; empty when none
    Stats stats_;
    Checkpoints checkpoints_;

    // The evaluation behind eval() and the replay of seq_rm: runs tokens at [start_pos, start_pos + n),
    // split at checkpoint_interval boundaries on models with recurrent state, and returns the checkpoints
    // it made (interval boundaries, plus the end when end_checkpoint) without adding them. On failure the
    // device's recurrent state is the one before the call (or the session is emptied, saying so).
    struct EvalResult {
        std::vector<Checkpoint> made;
        double seconds = 0;
    };
    StatusOr<EvalResult> run_eval(const int32_t *tokens, uint32_t n, uint32_t start_pos, float *last_logits,
                                  float *all_logits, RoutingTrace *trace, bool end_checkpoint);
    bool has_recurrent_state() const { return gpu_->recurrent_state_bytes() > 0; }
    CheckpointLimits checkpoint_limits() const;
    void add_automatic(std::vector<Checkpoint> made);
    Status read_recurrent(std::vector<uint8_t> &out) const;
    Status write_recurrent(const std::vector<uint8_t> &state);  // empty: the zero state
    Status rewind_to(int32_t p0);
    void lose_session();
    // Snapshots: the model's fingerprint (computed at open), a counter bumped by every change of the
    // session (eval, clear, seq_rm, load), and the last encoded snapshot with the counter it belongs to.
    model::Fingerprint fingerprint_;
    uint64_t generation_ = 0;
    std::vector<uint8_t> saved_;
    uint64_t saved_generation_ = UINT64_MAX;
    int64_t saved_level_ = 0;
    StatusOr<std::vector<uint8_t>> encode_state() const;
};

}  // namespace moevk::session
