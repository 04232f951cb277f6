// checkpoints.cpp — ordered storage and eviction of checkpoints (moeflux's checkpoint_pos rule: evict the
// oldest inserted first, never position 0 and never the newest, because those are the resume points a
// multi-turn session needs most).
#include "session/checkpoints.h"

#include <algorithm>

namespace moevk::session {

void Checkpoints::put(int32_t pos, std::vector<uint8_t> state, const CheckpointLimits &limits) {
    auto it = std::lower_bound(list_.begin(), list_.end(), pos,
                               [](const Checkpoint &c, int32_t p) { return c.pos < p; });
    if (it == list_.end() || it->pos != pos) it = list_.insert(it, Checkpoint{});
    it->pos = pos;
    it->state = std::move(state);
    it->inserted = next_inserted_++;
    evict(limits, pos);
}

void Checkpoints::enforce(const CheckpointLimits &limits) {
    if (list_.empty()) return;
    auto newest = std::max_element(list_.begin(), list_.end(),
                                   [](const Checkpoint &a, const Checkpoint &b) { return a.inserted < b.inserted; });
    evict(limits, newest->pos);
}

void Checkpoints::evict(const CheckpointLimits &limits, int32_t protected_pos) {
    auto over = [&] {
        return (int64_t)list_.size() > limits.max_checkpoints || (int64_t)state_bytes() > limits.max_bytes;
    };
    while (over()) {
        auto victim = list_.end();
        for (auto it = list_.begin(); it != list_.end(); ++it) {
            if (it->pos == 0 || it->pos == protected_pos) continue;
            if (victim == list_.end() || it->inserted < victim->inserted) victim = it;
        }
        if (victim == list_.end()) return;  // only protected ones are left
        list_.erase(victim);
    }
}

const Checkpoint *Checkpoints::find(int32_t pos) const {
    for (const Checkpoint &c : list_)
        if (c.pos == pos) return &c;
    return nullptr;
}

const Checkpoint *Checkpoints::newest_at_or_before(int32_t pos) const {
    const Checkpoint *best = nullptr;
    for (const Checkpoint &c : list_)
        if (c.pos <= pos) best = &c;
    return best;
}

bool Checkpoints::forget(int32_t pos) {
    for (auto it = list_.begin(); it != list_.end(); ++it) {
        if (it->pos != pos) continue;
        list_.erase(it);
        return true;
    }
    return false;
}

void Checkpoints::drop_after(int32_t pos) {
    list_.erase(std::remove_if(list_.begin(), list_.end(), [&](const Checkpoint &c) { return c.pos > pos; }),
                list_.end());
}

uint64_t Checkpoints::state_bytes() const {
    uint64_t sum = 0;
    for (const Checkpoint &c : list_) sum += c.state.size();
    return sum;
}

}  // namespace moevk::session
