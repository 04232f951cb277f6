// expert_cache.h — the expert cache in device memory: a pool of slots shared by all layers (one slot holds
// one expert's gate+up rows in one buffer and its down rows in another), an index (layer, expert) -> slot,
// least-recently-used replacement, reads of missed experts on an I/O thread pool straight into mapped slot
// memory (or host staging then an upload), and prefetch of a layer's likely experts while the GPU works.
// It never decides what a layer needs (the forward pass does) and holds no half-filled slot in its index.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "experts/expert_file.h"
#include "experts/expert_layout.h"
#include "experts/expert_stats.h"
#include "experts/io_pool.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::experts {

struct ExpertCacheOptions {
    uint32_t n_slots = 0;       // >= 1
    uint32_t io_threads = 0;    // 0: automatic
    bool direct_io = false;     // O_DIRECT reads (bypass the page cache)
    // Largest slot buffer (slots are split in segments; each segment is one binding, so one dispatch per
    // kernel). 0: the device's binding limit.
    uint64_t max_segment_bytes = 0;
    bool force_staging = false;  // tests: read into host memory and upload, as where slots are not mappable
};

// Slots [first_slot, first_slot + n_slots) live in these two buffers, slot first_slot at offset 0.
struct SlotSegment {
    std::unique_ptr<vulkan::Buffer> gate_up, down;
    uint32_t first_slot = 0, n_slots = 0;
};

class ExpertCache {
public:
    // Opens path for reads and allocates the slots. Errors: kIo, kOutOfMemory, kDevice.
    static StatusOr<std::unique_ptr<ExpertCache>> create(const vulkan::Device &device, const std::string &path,
                                                         const ExpertLayout &layout, const ExpertCacheOptions &opts);
    ~ExpertCache();  // waits for reads in flight

    // Makes experts (distinct, at most n_slots) of layer resident and writes their slots to *slots (same
    // order). The GPU must be idle on the slots: the pins of the previous load() are dropped first. The
    // returned slots stay pinned (no prefetch overwrites them) until the next load(). Waits for pending
    // prefetches. Errors: kIo naming layer, expert, tensor and file offset (those experts stay absent;
    // everything else is as after a successful load of the others), kDevice/kOutOfMemory (staged upload).
    Status load(uint32_t layer, const std::vector<uint32_t> &experts, std::vector<uint32_t> *slots);
    // Starts reading those experts of layer that are absent into unpinned slots, least recently used first.
    // Read errors are dropped here (a later load() reports them).
    void prefetch(uint32_t layer, const std::vector<uint32_t> &experts);

    uint32_t n_slots() const { return (uint32_t)slots_.size(); }
    const ExpertLayout &layout() const { return layout_; }
    const std::vector<SlotSegment> &segments() const { return segments_; }
    bool resident(uint32_t layer, uint32_t expert) const { return index_.count(key(layer, expert)) != 0; }
    const ExpertStats &stats() const { return stats_; }
    void reset_stats() { stats_ = ExpertStats(); }
    const ExpertFile &file() const { return *file_; }

private:
    struct Slot {
        int64_t key = -1;          // layer * n_expert + expert when indexed; -1 when empty
        int64_t pending_key = -1;  // a prefetch in flight fills it for this key
        uint64_t last_use = 0;
        bool pinned = false;
        bool prefetched = false;   // filled by a prefetch and not used since
        std::future<Status> read;  // valid while a prefetch is in flight
        std::vector<uint8_t> staging;  // host copy when the slot memory is not mappable
    };
    ExpertCache(const ExpertLayout &layout) : layout_(layout) {}
    int64_t key(uint32_t layer, uint32_t expert) const { return (int64_t)layer * layout_.n_expert() + expert; }
    // Unpinned slot with no read in flight, least recently used first; -1 when none.
    int64_t victim() const;
    void evict(uint32_t slot);
    // Queues the read of key's expert into slot.
    std::future<Status> start_read(uint32_t slot, int64_t key);
    // Read finished: index the slot (and upload its staging copy) or leave it empty.
    Status finish_read(uint32_t slot, int64_t key, Status read_status);
    void finish_prefetches();

    ExpertLayout layout_;
    std::unique_ptr<ExpertFile> file_;
    std::vector<SlotSegment> segments_;
    uint32_t slots_per_segment_ = 0;
    bool mapped_ = true;
    bool unflushed_ = false;  // mapped slot memory written since the last flush
    std::vector<Slot> slots_;
    std::unordered_map<int64_t, uint32_t> index_;  // key -> slot, only fully read slots
    uint64_t tick_ = 0;
    ExpertStats stats_;
    std::unique_ptr<IoPool> pool_;  // last: destroyed first, after its jobs finished
};

}  // namespace moevk::experts
