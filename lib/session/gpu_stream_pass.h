// gpu_stream_pass.h — the forward pass of one prefill chunk or decode step when the experts stream through
// the expert cache (lib/experts) instead of all being resident: one submission per layer, so the routing of
// layer L is on the host before its experts are loaded; the next layer's likely experts (chosen by the last
// token of the previous chunk) are prefetched while the GPU works. A layer whose chunk needs more experts
// than the cache has slots runs them in waves. Results are bit-identical to the all-resident pass.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "experts/expert_cache.h"
#include "experts/expert_layout.h"
#include "session/gpu_pass.h"

namespace moevk::session {

class StreamingPass {
public:
    // Allocates the cache (opts.n_slots slots) and opens the model file for reads. Errors: kIo, kOutOfMemory,
    // kDevice.
    static StatusOr<std::unique_ptr<StreamingPass>> create(const vulkan::Device &device, const model::Model &model,
                                                           const experts::ExpertCacheOptions &opts);

    // Runs tokens [0, n) of scratch (tokens and positions uploaded) through every layer, leaving x in
    // scratch; when want_last, logits row 0 holds the last token's logits. Rewrites pass.weights.slot_table.
    // Errors: kIo (expert read; the cache keeps no half-read slot), kDevice.
    Status run_chunk(GpuRecorder &rec, const GpuPass &pass, uint32_t n, bool want_last);

    const experts::ExpertCache &cache() const { return *cache_; }
    experts::ExpertCache &cache() { return *cache_; }
    // Forgets the routing predictions (after the warm-up evaluation at open).
    void forget_predictions();
    void set_prefetch(bool on) { prefetch_ = on; }

private:
    StreamingPass() = default;
    // Loads one wave of a layer's experts, points the slot table at them (absent experts: no slot) and
    // sets wave_sets_ to the slot segments they occupy (dispatches over the others would do nothing).
    Status load_wave(const GpuPass &pass, uint32_t layer, const std::vector<uint32_t> &wave);

    std::unique_ptr<experts::ExpertCache> cache_;
    std::vector<ExpertSlotSet> sets_;            // the cache's slot segments as kernel slot sets
    std::vector<ExpertSlotSet> wave_sets_;       // those the current wave uses
    std::vector<std::vector<uint32_t>> predicted_;  // [layer]: experts of the last token evaluated
    std::vector<uint32_t> table_;                // host copy of the slot table
    bool prefetch_ = true;
};

}  // namespace moevk::session
