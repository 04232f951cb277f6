// reader.cpp — decodes and verifies a version 1 or 2 snapshot into memory, in the order of checks that
// docs/state-format.md lists. Input is untrusted: every size is checked against the bytes present before
// anything is allocated or read. It never touches a context: the session applies the result.
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_d_forceIgnoreChecksum, for builds with MOEVK_STATE_NO_CHECKSUM only
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <memory>
#include <string>

#include "state/byte_planes.h"
#include "state/format.h"
#include "state/le.h"
#include "state/snapshot.h"

namespace moevk::state {
namespace {

Status corrupt(const std::string &m) { return Status(StatusCode::kCorrupt, "corrupt snapshot: " + m); }
std::string num(uint64_t v) { return std::to_string(v); }

struct DCtxFree {
    void operator()(ZSTD_DCtx *d) const { ZSTD_freeDCtx(d); }
};

struct SectionEntry {
    uint32_t type, flags, index, plane_width;
    uint64_t raw_size, stored_size, payload_offset;
};

// Decompresses one frame of exactly `stored` bytes into `raw` bytes, un-transposing the planes.
Status decode_section(ZSTD_DCtx *dctx, const uint8_t *frame, const SectionEntry &e, std::vector<uint8_t> &planes,
                      std::vector<uint8_t> &out) {
    const std::string where = "section (type " + num(e.type) + ", index " + num(e.index) + "): ";
    if (ZSTD_findFrameCompressedSize(frame, e.stored_size) != e.stored_size)
        return corrupt(where + "payload is not exactly one zstd frame of stored_size " + num(e.stored_size) + " bytes");
    ZSTD_frameHeader zfh;
    if (ZSTD_getFrameHeader(&zfh, frame, e.stored_size) != 0 || zfh.frameType != ZSTD_frame)
        return corrupt(where + "payload does not start with a zstd frame header");
    if (zfh.frameContentSize != e.raw_size)
        return corrupt(where + "zstd frame content size does not equal raw_size " + num(e.raw_size));
    if (!zfh.checksumFlag) return corrupt(where + "zstd frame has no content checksum");
    planes.resize(e.raw_size);
    const size_t got = ZSTD_decompressDCtx(dctx, planes.data(), planes.size(), frame, e.stored_size);
    if (ZSTD_isError(got)) return corrupt(where + "zstd: " + ZSTD_getErrorName(got));
    if (got != e.raw_size) return corrupt(where + "decompressed " + num(got) + " bytes, expected " + num(e.raw_size));
    out.resize(e.raw_size);
    from_byte_planes(planes.data(), e.raw_size, (e.flags & kSectionFlagBytePlanes) ? e.plane_width : 1, out.data());
    return Status::ok();
}

bool is_known(uint32_t type, uint32_t version) {
    return type == kSectionAttnKv || (version >= 2 && (type == kSectionRecurrentConv || type == kSectionRecurrentSsm ||
                                                       type == kSectionCheckpoint));
}

// One section the model's state needs: its type, index and content size.
struct ExpectedSection {
    uint32_t type, index;
    uint64_t raw_size;
};

// Check 13 of docs/state-format.md. Version 1: one ATTN_KV per layer. Version 2: per layer in order its
// ATTN_KV, or its CONV then SSM section (recurrent layers), then any number of CHECKPOINT sections with
// increasing positions <= n_pos. Unknown types anywhere: skipped when SKIPPABLE, else VERSION.
Status check_sections(const std::vector<SectionEntry> &entries, const SnapshotShape &shape, uint32_t version,
                      uint32_t n_pos) {
    const bool hybrid = recurrent_state_bytes(shape) > 0;
    if (version < 2 && hybrid)
        return corrupt("a version 1 snapshot cannot hold the recurrent state this model has");
    std::vector<ExpectedSection> layers;
    for (uint32_t l = 0; l < shape.n_layer; ++l) {
        if (shape.is_recurrent(l)) {
            layers.push_back({kSectionRecurrentConv, l, shape.conv_bytes[l]});
            layers.push_back({kSectionRecurrentSsm, l, shape.ssm_bytes[l]});
        } else {
            layers.push_back({kSectionAttnKv, l, attn_kv_bytes(shape, n_pos)});
        }
    }
    const uint64_t state_bytes = recurrent_state_bytes(shape);
    size_t next = 0;  // index into layers
    int64_t last_checkpoint = -1;
    for (size_t i = 0; i < entries.size(); ++i) {
        const SectionEntry &e = entries[i];
        const std::string where = "section " + num(i) + ": ";
        if (e.flags & ~kSectionFlagsKnown) return corrupt(where + "reserved flag bits set");
        if (!is_known(e.type, version)) {
            if (e.flags & kSectionFlagSkippable) continue;
            return Status(StatusCode::kVersion, where + "type " + num(e.type) + " needs a newer moevk");
        }
        const bool planes = e.flags & kSectionFlagBytePlanes;
        if (planes ? (e.plane_width == 0 || e.raw_size % e.plane_width != 0) : e.plane_width != 1)
            return corrupt(where + "plane_width " + num(e.plane_width) + " does not fit raw_size " + num(e.raw_size));
        if (e.type == kSectionCheckpoint) {
            if (next != layers.size()) return corrupt(where + "checkpoint before the state of every layer");
            if ((int64_t)e.index <= last_checkpoint || e.index > n_pos)
                return corrupt(where + "checkpoint position " + num(e.index) + " is not increasing or passes n_pos " +
                               num(n_pos));
            const uint64_t want = e.index == 0 ? 0 : state_bytes;
            if (e.raw_size != want)
                return corrupt(where + "checkpoint raw_size " + num(e.raw_size) + ", expected " + num(want));
            last_checkpoint = e.index;
            continue;
        }
        if (next == layers.size()) return corrupt(where + "type " + num(e.type) + " after the state of every layer");
        const ExpectedSection &x = layers[next++];
        if (e.type != x.type || e.index != x.index)
            return corrupt(where + "type " + num(e.type) + " of layer " + num(e.index) + ", expected type " +
                           num(x.type) + " of layer " + num(x.index));
        if (e.raw_size != x.raw_size)
            return corrupt(where + "raw_size " + num(e.raw_size) + ", expected " + num(x.raw_size));
    }
    if (next != layers.size())
        return corrupt("holds " + num(next) + " of the " + num(layers.size()) + " layer sections this model needs");
    return Status::ok();
}

}  // namespace

StatusOr<Snapshot> decode(const uint8_t *src, size_t size, const SnapshotShape &expected, uint32_t n_ctx) {
    // 1-5: identity, version, size, checksum.
    if (size < 4 || load_u32(src) != kMagic)
        return Status(StatusCode::kNotASnapshot, "not a moevk snapshot (magic \"MVKS\" missing)");
    if (size < kHeaderBytes + kTrailerBytes)
        return corrupt("truncated: " + num(size) + " bytes, less than header and trailer (80)");
    const uint32_t version = load_u32(src + kOffVersion);
    if (version < 1 || version > kFormatVersion)
        return Status(StatusCode::kVersion, "snapshot format version " + num(version) +
                                                " is not supported (this moevk reads versions 1 to " +
                                                num(kFormatVersion) + ")");
    const uint64_t total = load_u64(src + kOffTotalSize);
    if (total != size)
        return corrupt("header says " + num(total) + " bytes but " + num(size) + " were given (truncated or extended)");
    if (checksums_verified() && XXH3_64bits(src, size - kTrailerBytes) != load_u64(src + size - kTrailerBytes))
        return corrupt("checksum mismatch");

    // 6-10: header fields against the context.
    const uint32_t flags = load_u32(src + kOffFlags);
    if (flags & ~kHeaderFlagsKnown) return corrupt("reserved header flag bits set");
    if (load_u32(src + kOffReserved) != 0) return corrupt("reserved header field is not zero");
    if (std::memcmp(src + kOffFingerprint, expected.fingerprint, 16) != 0)
        return Status(StatusCode::kModelMismatch, "the snapshot was made with another model (fingerprints differ)");
    const uint32_t n_vocab = load_u32(src + kOffNVocab), n_layer = load_u32(src + kOffNLayer);
    const uint32_t k_values = load_u32(src + kOffKRowValues), v_values = load_u32(src + kOffVRowValues);
    if (n_vocab != expected.n_vocab || n_layer != expected.n_layer || k_values != expected.k_row_values ||
        v_values != expected.v_row_values)
        return corrupt("model shape (n_vocab " + num(n_vocab) + ", n_layer " + num(n_layer) + ", K/V row values " +
                       num(k_values) + "/" + num(v_values) + ") differs from the model whose fingerprint it carries");
    const uint32_t kv_type = load_u32(src + kOffKvType);
    if (kv_type != expected.kv_type)
        return Status(StatusCode::kUnsupported,
                      std::string("the snapshot's KV cache type is ") + kv_type_name(kv_type) + " (" + num(kv_type) +
                          ") but the context's is " + kv_type_name(expected.kv_type) +
                          "; open the context with that kv_type (moevk does not convert caches)");
    const uint32_t n_pos = load_u32(src + kOffNPos);
    if (n_pos > n_ctx)
        return Status(StatusCode::kCtxFull,
                      "the snapshot holds " + num(n_pos) + " positions, more than n_ctx " + num(n_ctx));
    const bool has_logits = flags & kFlagHasLogits;
    if (has_logits && n_pos == 0) return corrupt("HAS_LOGITS set with n_pos 0");

    // 11: the sizes add up (each term is bounded: n_pos <= n_ctx < 2^31, counts are u32).
    const uint32_t n_sections = load_u32(src + kOffNSections);
    const uint64_t fixed = kHeaderBytes + 4ull * n_pos + (has_logits ? 4ull * n_vocab : 0) +
                           kSectionEntryBytes * n_sections + kTrailerBytes;
    if (fixed > size) return corrupt("tokens, logits and section table (" + num(fixed) + " bytes) pass the end");
    const uint8_t *p = src + kHeaderBytes;
    const uint8_t *tokens_at = p;
    p += 4ull * n_pos;
    const uint8_t *logits_at = p;
    if (has_logits) p += 4ull * n_vocab;
    std::vector<SectionEntry> entries(n_sections);
    uint64_t payload_bytes = 0;
    for (uint32_t i = 0; i < n_sections; ++i, p += kSectionEntryBytes) {
        SectionEntry &e = entries[i];
        e.type = load_u32(p), e.flags = load_u32(p + 4), e.index = load_u32(p + 8), e.plane_width = load_u32(p + 12);
        e.raw_size = load_u64(p + 16), e.stored_size = load_u64(p + 24);
        if (e.stored_size > size - fixed - payload_bytes)
            return corrupt("section " + num(i) + ": stored_size " + num(e.stored_size) + " passes the end");
        e.payload_offset = fixed - kTrailerBytes + payload_bytes;
        payload_bytes += e.stored_size;
    }
    if (fixed + payload_bytes != size)
        return corrupt("sections hold " + num(payload_bytes) + " bytes but " + num(size - fixed) + " are left for them");

    // 12: tokens.
    Snapshot snap;
    snap.writer_version = load_u32(src + kOffWriterVersion);
    snap.n_pos = n_pos;
    snap.tokens.resize(n_pos);
    for (uint32_t i = 0; i < n_pos; ++i) {
        const uint32_t t = load_u32(tokens_at + 4ull * i);
        if (t >= n_vocab) return corrupt("token " + num(t) + " at position " + num(i) + " is not below n_vocab");
        snap.tokens[i] = (int32_t)t;
    }
    if (has_logits) {
        snap.logits.resize(n_vocab);
        for (uint32_t i = 0; i < n_vocab; ++i) {
            const uint32_t bits = load_u32(logits_at + 4ull * i);
            std::memcpy(&snap.logits[i], &bits, 4);
        }
    }

    // 13: the section table describes exactly the state of this model, in the order the format fixes.
    MOEVK_RETURN_IF_ERROR(check_sections(entries, expected, version, n_pos));

    // 14: decompress and verify every payload into scratch memory.
    std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
    if (!dctx) return out_of_memory("zstd decompression context");
    if (!checksums_verified()) ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_forceIgnoreChecksum, ZSTD_d_ignoreChecksum);
    snap.layers.resize(n_layer);
    snap.recurrent_state.reserve(recurrent_state_bytes(expected));
    std::vector<uint8_t> planes, content;
    for (const SectionEntry &e : entries) {
        if (!is_known(e.type, version)) continue;  // a skippable unknown section (checked above)
        std::vector<uint8_t> &out = e.type == kSectionAttnKv ? snap.layers[e.index] : content;
        MOEVK_RETURN_IF_ERROR(decode_section(dctx.get(), src + e.payload_offset, e, planes, out));
        if (e.type == kSectionRecurrentConv || e.type == kSectionRecurrentSsm)
            snap.recurrent_state.insert(snap.recurrent_state.end(), content.begin(), content.end());
        else if (e.type == kSectionCheckpoint)
            snap.checkpoints.push_back(SnapshotCheckpoint{e.index, content});
    }
    return snap;
}

}  // namespace moevk::state
