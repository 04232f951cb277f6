// snapshot.h — encode and decode session snapshots (docs/state-format.md, versions 1 and 2). This layer knows
// bytes, not devices: the session hands it the KV rows of each layer, the recurrent state and the checkpoints,
// and applies what decode() returns.
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
    // Hybrid models: per layer, the bytes of its conv and SSM state (both 0 for a layer with K/V instead).
    // Empty for models without recurrent layers.
    std::vector<uint64_t> conv_bytes, ssm_bytes;

    bool is_recurrent(uint32_t layer) const { return layer < conv_bytes.size() && conv_bytes[layer] > 0; }
};

// Bytes of one layer's ATTN_KV content for n_pos positions (K rows then V rows).
uint64_t attn_kv_bytes(const SnapshotShape &shape, uint32_t n_pos);
// Bytes of the whole recurrent state: for each recurrent layer in order, its conv then its SSM state.
uint64_t recurrent_state_bytes(const SnapshotShape &shape);

// A checkpoint as a snapshot carries it: its position and the whole recurrent state after [0, pos)
// (empty for position 0 and for models without recurrent layers).
struct SnapshotCheckpoint {
    uint32_t pos = 0;
    std::vector<uint8_t> state;
};

// Everything the writer needs. read_layer fills out (already sized attn_kv_bytes(shape, tokens.size()))
// with layer's K rows then V rows; it is called once per layer, in order, so only one layer is in memory.
struct SnapshotSource {
    SnapshotShape shape;
    uint32_t writer_version = 0;
    const std::vector<int32_t> *tokens = nullptr;   // n_pos = tokens->size()
    const std::vector<float> *logits = nullptr;     // empty or n_vocab values
    std::function<Status(uint32_t layer, std::vector<uint8_t> &out)> read_layer;  // layers with K/V only
    const std::vector<uint8_t> *recurrent_state = nullptr;  // recurrent_state_bytes(shape); NULL when 0
    const std::vector<SnapshotCheckpoint> *checkpoints = nullptr;  // NULL or empty: none; increasing pos
};

// Version 1 unless the snapshot needs version 2 (recurrent layers, or checkpoints to carry), so that files
// of KV-only sessions stay readable by every moevk ever shipped.
uint32_t format_version_for(const SnapshotSource &src);

// Encodes a whole snapshot. level: zstd compression level (1..22). Errors: what read_layer returns,
// kOutOfMemory, kInternal (zstd failure).
StatusOr<std::vector<uint8_t>> encode(const SnapshotSource &src, int level);

// A fully decoded and verified snapshot.
struct Snapshot {
    uint32_t writer_version = 0;
    uint32_t n_pos = 0;
    std::vector<int32_t> tokens;                 // n_pos
    std::vector<float> logits;                   // empty when the snapshot holds none
    std::vector<std::vector<uint8_t>> layers;    // per layer with K/V: K rows then V rows, attn_kv_bytes(n_pos)
    std::vector<uint8_t> recurrent_state;        // recurrent_state_bytes(shape); empty without recurrent layers
    std::vector<SnapshotCheckpoint> checkpoints; // increasing positions, each <= n_pos
};

// Parses, verifies and decompresses src against the context's model and cache (every check of
// docs/state-format.md, in its order). Errors: kNotASnapshot, kVersion, kCorrupt, kModelMismatch,
// kUnsupported (other cache type), kCtxFull, kOutOfMemory.
StatusOr<Snapshot> decode(const uint8_t *src, size_t size, const SnapshotShape &expected, uint32_t n_ctx);

// False only in builds with MOEVK_STATE_NO_CHECKSUM (fuzzing: lets mutated inputs reach the decoder).
bool checksums_verified();

}  // namespace moevk::state
