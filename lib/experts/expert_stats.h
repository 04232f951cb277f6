// expert_stats.h — counters of the expert cache, cumulative since the context opened (moevk_stats fields).
// A lookup is one (layer, expert) that one batch of tokens needs: a decode step makes n_expert_used per
// layer; a prefill chunk makes one per distinct expert per layer (its tokens share the load).
#pragma once

#include <cstdint>

namespace moevk::experts {

struct ExpertStats {
    uint64_t lookups = 0;
    uint64_t hits = 0;            // resident when looked up
    uint64_t misses = 0;          // read from the file while the GPU waited
    uint64_t prefetch_hits = 0;   // hits on experts a prefetch brought in (first use after the prefetch)
    uint64_t bytes_read = 0;      // expert bytes read from the file (misses and prefetches)
    double io_wait_seconds = 0;   // time the forward pass waited for expert reads
};

}  // namespace moevk::experts
