// expert_cache.cpp — slot bookkeeping, reads and prefetch of the expert cache (see expert_cache.h). All
// bookkeeping runs on the caller's thread; read jobs only fill slot memory and report a Status.
#include "experts/expert_cache.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace moevk::experts {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

StatusOr<std::unique_ptr<ExpertCache>> ExpertCache::create(const vulkan::Device &device, const std::string &path,
                                                           const ExpertLayout &layout, const ExpertCacheOptions &opts) {
    if (opts.n_slots == 0) return invalid_arg("expert cache: at least one slot is needed");
    std::unique_ptr<ExpertCache> c(new ExpertCache(layout));
    MOEVK_ASSIGN_OR_RETURN(c->file_, ExpertFile::open(path, opts.direct_io));
    const ExpertShape &s = layout.slot_shape();
    const uint64_t largest_slot = std::max(s.gate_up_slot_bytes(), s.down_bytes);
    const uint64_t segment_bytes = opts.max_segment_bytes ? opts.max_segment_bytes : device.max_binding_bytes();
    c->slots_per_segment_ = (uint32_t)std::max<uint64_t>(1, std::min<uint64_t>(opts.n_slots, segment_bytes / largest_slot));
    for (uint32_t first = 0; first < opts.n_slots; first += c->slots_per_segment_) {
        SlotSegment seg;
        seg.first_slot = first;
        seg.n_slots = std::min(c->slots_per_segment_, opts.n_slots - first);
        const std::string name = "expert_slots[" + std::to_string(first) + "]";
        MOEVK_ASSIGN_OR_RETURN(seg.gate_up, vulkan::Buffer::create(device, seg.n_slots * s.gate_up_slot_bytes(),
                                                                   vulkan::MemoryUse::kDevice, name + ".gate_up"));
        MOEVK_ASSIGN_OR_RETURN(seg.down, vulkan::Buffer::create(device, seg.n_slots * s.down_bytes,
                                                                vulkan::MemoryUse::kDevice, name + ".down"));
        c->mapped_ = c->mapped_ && seg.gate_up->mapped() && seg.down->mapped();
        c->segments_.push_back(std::move(seg));
    }
    c->mapped_ = c->mapped_ && !opts.force_staging;
    c->slots_.resize(opts.n_slots);
    uint32_t threads = opts.io_threads;
    if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 2u, 8u);
    c->pool_ = std::make_unique<IoPool>(threads);
    return c;
}

ExpertCache::~ExpertCache() {
    for (Slot &s : slots_)
        if (s.read.valid()) s.read.wait();
}

int64_t ExpertCache::victim() const {
    int64_t best = -1;
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        const Slot &s = slots_[i];
        if (s.pinned || s.read.valid()) continue;
        if (s.key < 0) return i;  // an empty slot costs nothing
        if (best < 0 || s.last_use < slots_[best].last_use) best = i;
    }
    return best;
}

void ExpertCache::evict(uint32_t slot) {
    Slot &s = slots_[slot];
    if (s.key >= 0) index_.erase(s.key);
    s.key = -1;
    s.prefetched = false;
}

std::future<Status> ExpertCache::start_read(uint32_t slot, int64_t key) {
    const uint32_t layer = (uint32_t)(key / layout_.n_expert()), expert = (uint32_t)(key % layout_.n_expert());
    const ExpertShape &sh = layout_.slot_shape();  // slot strides; the layer's own bytes are read into them
    uint8_t *gate_up_dst, *down_dst;
    if (mapped_) {
        const SlotSegment &seg = segments_[slot / slots_per_segment_];
        const uint64_t i = slot - seg.first_slot;
        gate_up_dst = (uint8_t *)seg.gate_up->mapped() + i * sh.gate_up_slot_bytes();
        down_dst = (uint8_t *)seg.down->mapped() + i * sh.down_bytes;
    } else {
        slots_[slot].staging.resize(sh.expert_bytes());
        gate_up_dst = slots_[slot].staging.data();
        down_dst = gate_up_dst + sh.gate_up_slot_bytes();
    }
    const ExpertFile *file = file_.get();
    const ExpertSlice parts[3] = {layout_.gate(layer, expert), layout_.up(layer, expert), layout_.down(layer, expert)};
    uint8_t *dsts[3] = {gate_up_dst, gate_up_dst + layout_.layer_shape(layer).gate_bytes, down_dst};  // up after gate
    return pool_->submit([=]() -> Status {
        static const char *const kNames[3] = {"ffn_gate_exps", "ffn_up_exps", "ffn_down_exps"};
        for (int m = 0; m < 3; ++m) {
            Status s = file->read(parts[m].file_offset, parts[m].bytes, dsts[m]);
            if (!s.is_ok())
                return s.with_prefix("layer " + std::to_string(layer) + ", expert " + std::to_string(expert) +
                                     ": reading blk." + std::to_string(layer) + "." + kNames[m] + " at file offset " +
                                     std::to_string(parts[m].file_offset) + " (" + std::to_string(parts[m].bytes) +
                                     " bytes) of " + file->path() + ": ");
        }
        return Status::ok();
    });
}

Status ExpertCache::finish_read(uint32_t slot, int64_t key, Status read_status) {
    Slot &s = slots_[slot];
    s.key = -1;
    if (!read_status.is_ok()) return read_status;  // the slot stays empty: nothing half-filled is indexed
    stats_.bytes_read += layout_.layer_shape((uint32_t)(key / layout_.n_expert())).expert_bytes();
    if (!mapped_) {
        const ExpertShape &sh = layout_.slot_shape();
        const SlotSegment &seg = segments_[slot / slots_per_segment_];
        const uint64_t i = slot - seg.first_slot;
        MOEVK_RETURN_IF_ERROR(seg.gate_up->upload(i * sh.gate_up_slot_bytes(), s.staging.data(), sh.gate_up_slot_bytes()));
        MOEVK_RETURN_IF_ERROR(seg.down->upload(i * sh.down_bytes, s.staging.data() + sh.gate_up_slot_bytes(), sh.down_bytes));
    }
    unflushed_ = mapped_;
    s.key = key;
    index_[key] = slot;
    return Status::ok();
}

void ExpertCache::finish_prefetches() {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        Slot &s = slots_[i];
        if (!s.read.valid()) continue;
        Status st = s.read.get();
        const int64_t key = s.pending_key;
        s.pending_key = -1;
        s.prefetched = finish_read(i, key, std::move(st)).is_ok();  // errors: load() reads it again and reports
    }
}

Status ExpertCache::load(uint32_t layer, const std::vector<uint32_t> &experts, std::vector<uint32_t> *slots) {
    if (experts.size() > slots_.size())
        return internal_error("expert cache: " + std::to_string(experts.size()) + " experts in one load, " +
                              std::to_string(slots_.size()) + " slots");
    const auto t0 = std::chrono::steady_clock::now();
    finish_prefetches();
    stats_.io_wait_seconds += seconds_since(t0);
    for (Slot &s : slots_) s.pinned = false;  // the GPU work that used them has finished

    slots->assign(experts.size(), 0);
    std::vector<size_t> missing;
    for (size_t j = 0; j < experts.size(); ++j) {
        auto it = index_.find(key(layer, experts[j]));
        if (it == index_.end()) {
            missing.push_back(j);
            continue;
        }
        Slot &s = slots_[it->second];
        ++stats_.hits;
        if (s.prefetched) ++stats_.prefetch_hits;
        s.prefetched = false;
        s.pinned = true;
        s.last_use = ++tick_;
        (*slots)[j] = it->second;
    }
    stats_.lookups += experts.size();
    stats_.misses += missing.size();

    std::vector<std::future<Status>> reads;
    for (size_t j : missing) {
        const int64_t v = victim();  // exists: at most n_slots experts and nothing else is pinned or loading
        if (v < 0) return internal_error("expert cache: no free slot");
        evict((uint32_t)v);
        slots_[v].pinned = true;
        (*slots)[j] = (uint32_t)v;
        reads.push_back(start_read((uint32_t)v, key(layer, experts[j])));
    }
    const auto t1 = std::chrono::steady_clock::now();
    Status first_error;
    for (size_t r = 0; r < reads.size(); ++r) {
        const uint32_t slot = (*slots)[missing[r]];
        Status s = finish_read(slot, key(layer, experts[missing[r]]), reads[r].get());
        slots_[slot].last_use = ++tick_;
        if (!s.is_ok()) {
            slots_[slot].pinned = false;
            if (first_error.is_ok()) first_error = s;
        }
    }
    stats_.io_wait_seconds += seconds_since(t1);
    if (!first_error.is_ok()) return first_error;
    if (unflushed_) {
        unflushed_ = false;
        for (SlotSegment &seg : segments_) {
            MOEVK_RETURN_IF_ERROR(seg.gate_up->flush_host_writes());
            MOEVK_RETURN_IF_ERROR(seg.down->flush_host_writes());
        }
    }
    return Status::ok();
}

void ExpertCache::prefetch(uint32_t layer, const std::vector<uint32_t> &experts) {
    for (uint32_t e : experts) {
        const int64_t k = key(layer, e);
        if (index_.count(k)) continue;
        bool queued = false;
        for (const Slot &s : slots_) queued = queued || s.pending_key == k;
        if (queued) continue;
        const int64_t v = victim();
        if (v < 0) return;  // every slot is pinned or loading
        evict((uint32_t)v);
        Slot &s = slots_[v];
        s.pending_key = k;
        s.last_use = ++tick_;
        s.read = start_read((uint32_t)v, k);
    }
}

}  // namespace moevk::experts
