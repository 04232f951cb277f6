// checkpoints.h — the checkpoints a context holds: positions of the sequence with the recurrent state after
// them (host bytes; empty for models without recurrent state, where a checkpoint is just a position).
// It knows the limits and the eviction rule, not the device: the Context reads and writes the state.
#pragma once

#include <cstdint>
#include <vector>

namespace moevk::session {

struct Checkpoint {
    int32_t pos = 0;               // the state after tokens [0, pos)
    std::vector<uint8_t> state;    // GpuForward::read_recurrent_state bytes; empty when pos == 0 (zero state)
    uint64_t inserted = 0;         // insertion order, oldest first (eviction order)
};

struct CheckpointLimits {
    int64_t max_checkpoints = 8;
    int64_t max_bytes = 0;         // sum of state bytes over all checkpoints
};

class Checkpoints {
public:
    // Adds (or replaces) the checkpoint at pos, then evicts the oldest inserted ones until the limits hold,
    // never the one at position 0 and never this new one (the limits may stay exceeded by those two).
    void put(int32_t pos, std::vector<uint8_t> state, const CheckpointLimits &limits);
    // Evicts as put() does, protecting position 0 and the newest inserted checkpoint.
    void enforce(const CheckpointLimits &limits);

    const Checkpoint *find(int32_t pos) const;
    // The checkpoint with the largest position <= pos; NULL when none.
    const Checkpoint *newest_at_or_before(int32_t pos) const;
    bool forget(int32_t pos);
    void drop_after(int32_t pos);  // drops every checkpoint with position > pos
    void clear() { list_.clear(); }

    int32_t count() const { return (int32_t)list_.size(); }
    uint64_t state_bytes() const;
    const std::vector<Checkpoint> &by_position() const { return list_; }

private:
    std::vector<Checkpoint> list_;  // ordered by position, positions unique
    uint64_t next_inserted_ = 0;
    void evict(const CheckpointLimits &limits, int32_t protected_pos);
};

}  // namespace moevk::session
