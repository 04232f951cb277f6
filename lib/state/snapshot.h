// snapshot.h — encode and decode session snapshots (docs/state-format.md, version 1). This layer knows bytes,
// not devices: the session hands it the KV rows of each layer and applies what decode() returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/status.h"

namespace moevk::state {

// What identifies the model and cache a snapshot belongs to (header fields other than n_pos and flags).
struct SnapshotShape {
    uint8_t fingerprint[16] = {};   // model fingerprint: low u64 then high u64, little-endian
    uint32_t n_vocab = 0;
    uint32_t n_layer = 0;
    uint32_t kv_type = 0;           // ggml type id (format.h: kKvF32, kKvF16, kKvQ8_0)
    uint32_t k_row_values = 0;      // n_head_kv * head_dim_k
    uint32_t v_row_values = 0;      // n_head_kv * head_dim_v
};

// Bytes of one layer's ATTN_KV content for n_pos positions (K rows then V rows).
uint64_t attn_kv_bytes(const SnapshotShape &shape, uint32_t n_pos);

// Everything the writer needs. read_layer fills out (already sized attn_kv_bytes(shape, tokens.size()))
// with layer's K rows then V rows; it is called once per layer, in order, so only one layer is in memory.
struct SnapshotSource {
    SnapshotShape shape;
    uint32_t writer_version = 0;
    const std::vector<int32_t> *tokens = nullptr;   // n_pos = tokens->size()
    const std::vector<float> *logits = nullptr;     // empty or n_vocab values
    std::function<Status(uint32_t layer, std::vector<uint8_t> &out)> read_layer;
};

// Encodes a whole snapshot. level: zstd compression level (1..22). Errors: what read_layer returns,
// kOutOfMemory, kInternal (zstd failure).
StatusOr<std::vector<uint8_t>> encode(const SnapshotSource &src, int level);

// A fully decoded and verified snapshot.
struct Snapshot {
    uint32_t writer_version = 0;
    uint32_t n_pos = 0;
    std::vector<int32_t> tokens;                 // n_pos
    std::vector<float> logits;                   // empty when the snapshot holds none
    std::vector<std::vector<uint8_t>> layers;    // per layer: K rows then V rows, attn_kv_bytes(n_pos)
};

// Parses, verifies and decompresses src against the context's model and cache (every check of
// docs/state-format.md, in its order). Errors: kNotASnapshot, kVersion, kCorrupt, kModelMismatch,
// kUnsupported (other cache type), kCtxFull, kOutOfMemory.
StatusOr<Snapshot> decode(const uint8_t *src, size_t size, const SnapshotShape &expected, uint32_t n_ctx);

// False only in builds with MOEVK_STATE_NO_CHECKSUM (fuzzing: lets mutated inputs reach the decoder).
bool checksums_verified();

}  // namespace moevk::state
