// writer.cpp — encodes a snapshot: header, tokens, logits, section table, one zstd frame per section (byte
// planes, content checksum on), XXH3-64 trailer. Version 1 for KV-only sessions, version 2 when the file holds
// recurrent state or checkpoints. It reads one K/V layer at a time from the source.
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <memory>

#include "state/byte_planes.h"
#include "state/format.h"
#include "state/le.h"
#include "state/snapshot.h"

namespace moevk::state {

uint64_t attn_kv_bytes(const SnapshotShape &shape, uint32_t n_pos) {
    return (uint64_t)n_pos *
           (kv_row_bytes(shape.kv_type, shape.k_row_values) + kv_row_bytes(shape.kv_type, shape.v_row_values));
}

uint64_t recurrent_state_bytes(const SnapshotShape &shape) {
    uint64_t sum = 0;
    for (uint32_t l = 0; l < shape.conv_bytes.size(); ++l) sum += shape.conv_bytes[l] + shape.ssm_bytes[l];
    return sum;
}

uint32_t format_version_for(const SnapshotSource &src) {
    const bool checkpoints = src.checkpoints && !src.checkpoints->empty();
    return recurrent_state_bytes(src.shape) > 0 || checkpoints ? kFormatVersion : kFormatVersionKvOnly;
}

namespace {

struct CCtxFree {
    void operator()(ZSTD_CCtx *c) const { ZSTD_freeCCtx(c); }
};

struct Section {
    uint32_t type = kSectionAttnKv, index = 0;
    uint32_t flags = 0, plane_width = 1;
    uint64_t raw_size = 0;
    std::vector<uint8_t> frame;
};

Status zstd_error(const char *what, size_t code) {
    return internal_error(std::string("zstd ") + what + ": " + ZSTD_getErrorName(code));
}

}  // namespace

StatusOr<std::vector<uint8_t>> encode(const SnapshotSource &src, int level) {
    const SnapshotShape &shape = src.shape;
    const uint32_t n_pos = (uint32_t)src.tokens->size();
    const bool has_logits = n_pos > 0 && !src.logits->empty();
    if (has_logits && src.logits->size() != shape.n_vocab)
        return internal_error("snapshot writer: logits length differs from n_vocab");

    std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
    if (!cctx) return out_of_memory("zstd compression context");
    size_t r = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
    if (ZSTD_isError(r)) return zstd_error("parameters", r);

    // Compress section by section: only one raw K/V layer (and its planes) is alive at a time.
    std::vector<Section> sections;
    std::vector<uint8_t> raw, planes;
    auto add = [&](uint32_t type, uint32_t index, const uint8_t *bytes, uint64_t size, uint32_t w) -> Status {
        Section s;
        s.type = type, s.index = index, s.flags = kSectionFlagBytePlanes, s.plane_width = w, s.raw_size = size;
        planes.resize(size);
        to_byte_planes(bytes, size, w, planes.data());
        s.frame.resize(ZSTD_compressBound(size));
        size_t r = ZSTD_CCtx_setPledgedSrcSize(cctx.get(), size);
        if (ZSTD_isError(r)) return zstd_error("pledged size", r);
        r = ZSTD_compress2(cctx.get(), s.frame.data(), s.frame.size(), planes.data(), size);
        if (ZSTD_isError(r)) return zstd_error("compress", r);
        s.frame.resize(r);
        sections.push_back(std::move(s));
        return Status::ok();
    };
    const uint32_t version = format_version_for(src);
    const uint64_t kv_size = attn_kv_bytes(shape, n_pos);
    const uint64_t state_size = recurrent_state_bytes(shape);
    if (state_size && (!src.recurrent_state || src.recurrent_state->size() != state_size))
        return internal_error("snapshot writer: recurrent state size differs from the model's");
    uint64_t state_at = 0;  // offset of the next recurrent layer's conv state in *src.recurrent_state
    for (uint32_t layer = 0; layer < shape.n_layer; ++layer) {
        if (shape.is_recurrent(layer)) {
            const uint8_t *conv = src.recurrent_state->data() + state_at;
            const uint64_t conv_size = shape.conv_bytes[layer], ssm_size = shape.ssm_bytes[layer];
            MOEVK_RETURN_IF_ERROR(add(kSectionRecurrentConv, layer, conv, conv_size, kRecurrentPlaneWidth));
            MOEVK_RETURN_IF_ERROR(add(kSectionRecurrentSsm, layer, conv + conv_size, ssm_size, kRecurrentPlaneWidth));
            state_at += conv_size + ssm_size;
            continue;
        }
        raw.assign(kv_size, 0);
        if (kv_size) MOEVK_RETURN_IF_ERROR(src.read_layer(layer, raw));
        MOEVK_RETURN_IF_ERROR(add(kSectionAttnKv, layer, raw.data(), kv_size, kv_plane_width(shape.kv_type)));
    }
    if (src.checkpoints) {
        for (const SnapshotCheckpoint &c : *src.checkpoints) {
            if (c.pos > n_pos || c.state.size() != (c.pos == 0 ? 0 : state_size))
                return internal_error("snapshot writer: checkpoint past the end or of the wrong size");
            MOEVK_RETURN_IF_ERROR(add(kSectionCheckpoint, c.pos, c.state.data(), c.state.size(), kRecurrentPlaneWidth));
        }
    }

    uint64_t total = kHeaderBytes + 4ull * n_pos + (has_logits ? 4ull * shape.n_vocab : 0) +
                     kSectionEntryBytes * sections.size() + kTrailerBytes;
    for (const Section &s : sections) total += s.frame.size();
    std::vector<uint8_t> out(total);
    uint8_t *p = out.data();
    store_u32(p + kOffMagic, kMagic);
    store_u32(p + kOffVersion, version);
    store_u32(p + kOffFlags, has_logits ? kFlagHasLogits : 0);
    store_u32(p + kOffWriterVersion, src.writer_version);
    store_u64(p + kOffTotalSize, total);
    std::memcpy(p + kOffFingerprint, shape.fingerprint, 16);
    store_u32(p + kOffNPos, n_pos);
    store_u32(p + kOffNVocab, shape.n_vocab);
    store_u32(p + kOffNLayer, shape.n_layer);
    store_u32(p + kOffKvType, shape.kv_type);
    store_u32(p + kOffKRowValues, shape.k_row_values);
    store_u32(p + kOffVRowValues, shape.v_row_values);
    store_u32(p + kOffNSections, (uint32_t)sections.size());
    store_u32(p + kOffReserved, 0);
    p += kHeaderBytes;
    for (int32_t t : *src.tokens) store_u32(p, (uint32_t)t), p += 4;
    if (has_logits) {
        for (float f : *src.logits) {
            uint32_t bits;
            std::memcpy(&bits, &f, 4);
            store_u32(p, bits);
            p += 4;
        }
    }
    for (const Section &s : sections) {
        store_u32(p + 0, s.type);
        store_u32(p + 4, s.flags);
        store_u32(p + 8, s.index);
        store_u32(p + 12, s.plane_width);
        store_u64(p + 16, s.raw_size);
        store_u64(p + 24, s.frame.size());
        p += kSectionEntryBytes;
    }
    for (const Section &s : sections) {
        if (!s.frame.empty()) std::memcpy(p, s.frame.data(), s.frame.size());
        p += s.frame.size();
    }
    store_u64(p, XXH3_64bits(out.data(), total - kTrailerBytes));
    return out;
}

}  // namespace moevk::state
