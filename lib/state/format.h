// format.h — the constants of snapshot format versions 1 and 2 (docs/state-format.md): magic, header offsets,
// flags, section types, cache type ids and row sizes. Only numbers live here; writer.cpp and reader.cpp use them.
#pragma once

#include <cstdint>

namespace moevk::state {

constexpr uint32_t kMagic = 0x534B564Du;  // bytes "MVKS"
constexpr uint32_t kFormatVersion = 2;      // the newest version this moevk reads and writes
constexpr uint32_t kFormatVersionKvOnly = 1;  // written when a file needs nothing version 2 added
constexpr uint64_t kHeaderBytes = 72;
constexpr uint64_t kSectionEntryBytes = 32;
constexpr uint64_t kTrailerBytes = 8;

// Header field offsets.
constexpr uint64_t kOffMagic = 0, kOffVersion = 4, kOffFlags = 8, kOffWriterVersion = 12, kOffTotalSize = 16,
                   kOffFingerprint = 24, kOffNPos = 40, kOffNVocab = 44, kOffNLayer = 48, kOffKvType = 52,
                   kOffKRowValues = 56, kOffVRowValues = 60, kOffNSections = 64, kOffReserved = 68;

constexpr uint32_t kFlagHasLogits = 1u << 0;
constexpr uint32_t kHeaderFlagsKnown = kFlagHasLogits;

// Section types: 1 in every version; 2..4 since version 2 (recurrent state of one layer, checkpoint).
constexpr uint32_t kSectionAttnKv = 1;
constexpr uint32_t kSectionRecurrentConv = 2, kSectionRecurrentSsm = 3, kSectionCheckpoint = 4;
constexpr uint32_t kSectionFlagBytePlanes = 1u << 0;
constexpr uint32_t kSectionFlagSkippable = 1u << 31;
constexpr uint32_t kSectionFlagsKnown = kSectionFlagBytePlanes | kSectionFlagSkippable;

// Recurrent state and checkpoints are float32: byte planes of width 4.
constexpr uint32_t kRecurrentPlaneWidth = 4;

// Cache types by their ggml type id.
constexpr uint32_t kKvF32 = 0, kKvF16 = 1, kKvQ8_0 = 8;
constexpr uint32_t kQ8_0BlockValues = 32, kQ8_0BlockBytes = 34;

// Bytes of one cache row of n_values values; 0 for an unknown type or a Q8_0 row that is not whole blocks.
inline uint64_t kv_row_bytes(uint32_t kv_type, uint32_t n_values) {
    switch (kv_type) {
        case kKvF32: return 4ull * n_values;
        case kKvF16: return 2ull * n_values;
        case kKvQ8_0:
            return n_values % kQ8_0BlockValues ? 0 : (uint64_t)(n_values / kQ8_0BlockValues) * kQ8_0BlockBytes;
        default: return 0;
    }
}

// Record width of the byte planes a version 1 writer uses for each cache type (one value, one Q8_0 block).
inline uint32_t kv_plane_width(uint32_t kv_type) {
    return kv_type == kKvF32 ? 4 : kv_type == kKvF16 ? 2 : kv_type == kKvQ8_0 ? kQ8_0BlockBytes : 1;
}

inline const char *kv_type_name(uint32_t kv_type) {
    return kv_type == kKvF32 ? "f32" : kv_type == kKvF16 ? "f16" : kv_type == kKvQ8_0 ? "q8_0" : "unknown";
}

}  // namespace moevk::state
