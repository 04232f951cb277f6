// writer.cpp — encodes a snapshot in format version 1: header, tokens, logits, section table, one zstd frame
// per layer (byte planes, content checksum on), XXH3-64 trailer. It reads one layer at a time from the source.
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

namespace {

struct CCtxFree {
    void operator()(ZSTD_CCtx *c) const { ZSTD_freeCCtx(c); }
};

struct Section {
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

    // Compress layer by layer: only one raw layer (and its planes) is alive at a time.
    const uint64_t raw_size = attn_kv_bytes(shape, n_pos);
    const uint32_t w = kv_plane_width(shape.kv_type);
    std::vector<Section> sections(shape.n_layer);
    std::vector<uint8_t> raw, planes(raw_size);
    for (uint32_t layer = 0; layer < shape.n_layer; ++layer) {
        raw.assign(raw_size, 0);
        if (raw_size) MOEVK_RETURN_IF_ERROR(src.read_layer(layer, raw));
        to_byte_planes(raw.data(), raw_size, w, planes.data());
        Section &s = sections[layer];
        s.flags = kSectionFlagBytePlanes;
        s.plane_width = w;
        s.raw_size = raw_size;
        s.frame.resize(ZSTD_compressBound(raw_size));
        r = ZSTD_CCtx_setPledgedSrcSize(cctx.get(), raw_size);
        if (ZSTD_isError(r)) return zstd_error("pledged size", r);
        r = ZSTD_compress2(cctx.get(), s.frame.data(), s.frame.size(), planes.data(), raw_size);
        if (ZSTD_isError(r)) return zstd_error("compress", r);
        s.frame.resize(r);
    }

    uint64_t total = kHeaderBytes + 4ull * n_pos + (has_logits ? 4ull * shape.n_vocab : 0) +
                     kSectionEntryBytes * shape.n_layer + kTrailerBytes;
    for (const Section &s : sections) total += s.frame.size();
    std::vector<uint8_t> out(total);
    uint8_t *p = out.data();
    store_u32(p + kOffMagic, kMagic);
    store_u32(p + kOffVersion, kFormatVersion);
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
    store_u32(p + kOffNSections, shape.n_layer);
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
    for (uint32_t layer = 0; layer < shape.n_layer; ++layer) {
        const Section &s = sections[layer];
        store_u32(p + 0, kSectionAttnKv);
        store_u32(p + 4, s.flags);
        store_u32(p + 8, layer);
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
