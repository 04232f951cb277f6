// fingerprint.cpp — see fingerprint.h. The sampling rule is part of the frozen snapshot format: changing it
// makes every existing snapshot (and golden file) a MODEL_MISMATCH.
#include "model/fingerprint.h"

#include <xxhash.h>

#include <memory>
#include <new>

namespace moevk::model {

namespace {
constexpr uint64_t kSampleBytes = 4096;

struct StateFree {
    void operator()(XXH3_state_t *s) const { XXH3_freeState(s); }
};
}  // namespace

Fingerprint fingerprint(const GgufFile &file) {
    std::unique_ptr<XXH3_state_t, StateFree> state(XXH3_createState());
    if (!state) throw std::bad_alloc();
    XXH3_128bits_reset(state.get());
    const uint8_t *base = file.mapped_base();
    XXH3_128bits_update(state.get(), base, file.data_offset());
    for (const TensorInfo &t : file.tensors()) {
        const uint8_t *data = file.tensor_data(t);
        const uint64_t size = t.size_bytes;
        if (size <= 3 * kSampleBytes) {
            XXH3_128bits_update(state.get(), data, size);
            continue;
        }
        XXH3_128bits_update(state.get(), data, kSampleBytes);
        XXH3_128bits_update(state.get(), data + (size - kSampleBytes) / 2, kSampleBytes);
        XXH3_128bits_update(state.get(), data + size - kSampleBytes, kSampleBytes);
    }
    const XXH128_hash_t h = XXH3_128bits_digest(state.get());
    return Fingerprint{h.low64, h.high64};
}

}  // namespace moevk::model
