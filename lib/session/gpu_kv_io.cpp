// gpu_kv_io.cpp — KV cache export/import (see gpu_kv_io.h). f32 and f16 regions already hold ggml's row
// bytes; q8_0 keeps quants and scales apart on the device (kernels/common/kv_cache.glsl) and is packed
// into 34-byte blocks here. The scales are fp16 values stored as float, so the conversion is exact.
#include "session/gpu_kv_io.h"

#include <cstring>
#include <vector>

#include "core/half.h"
#include "model/ggml_type.h"

namespace moevk::session {
namespace {

uint64_t value_bytes(KvType type, uint64_t n_values) {
    switch (type) {
        case KvType::kF32: return n_values * 4;
        case KvType::kF16: return n_values * 2;
        case KvType::kQ8_0: return n_values / 32 * sizeof(model::BlockQ8_0);
    }
    return 0;
}

Status export_region(const vulkan::Buffer &cache, KvType type, const KvRegion &r, uint32_t n_pos, uint8_t *dst) {
    const uint64_t n_values = (uint64_t)n_pos * r.width;
    if (type != KvType::kQ8_0) return cache.download(4ull * r.base, dst, value_bytes(type, n_values));
    std::vector<int8_t> q(n_values);
    std::vector<float> d(n_values / 32);
    MOEVK_RETURN_IF_ERROR(cache.download(4ull * r.base, q.data(), n_values));
    MOEVK_RETURN_IF_ERROR(cache.download(4ull * r.scale_base, d.data(), d.size() * 4));
    for (uint64_t b = 0; b < d.size(); ++b) {
        model::BlockQ8_0 blk;
        blk.d = fp32_to_fp16(d[b]);
        std::memcpy(blk.qs, q.data() + b * 32, 32);
        std::memcpy(dst + b * sizeof blk, &blk, sizeof blk);
    }
    return Status::ok();
}

Status import_region(vulkan::Buffer &cache, KvType type, const KvRegion &r, uint32_t n_pos, const uint8_t *src) {
    const uint64_t n_values = (uint64_t)n_pos * r.width;
    if (type != KvType::kQ8_0) return cache.upload(4ull * r.base, src, value_bytes(type, n_values));
    std::vector<int8_t> q(n_values);
    std::vector<float> d(n_values / 32);
    for (uint64_t b = 0; b < d.size(); ++b) {
        model::BlockQ8_0 blk;
        std::memcpy(&blk, src + b * sizeof blk, sizeof blk);
        d[b] = fp16_to_fp32(blk.d);
        std::memcpy(q.data() + b * 32, blk.qs, 32);
    }
    MOEVK_RETURN_IF_ERROR(cache.upload(4ull * r.base, q.data(), n_values));
    return cache.upload(4ull * r.scale_base, d.data(), d.size() * 4);
}

}  // namespace

uint64_t kv_export_bytes(const KvLayout &layout, uint32_t n_pos) {
    return value_bytes(layout.type, (uint64_t)n_pos * layout.k.width) +
           value_bytes(layout.type, (uint64_t)n_pos * layout.v.width);
}

Status kv_export(const vulkan::Buffer &cache, const KvLayout &layout, uint32_t n_pos, uint8_t *dst) {
    MOEVK_RETURN_IF_ERROR(export_region(cache, layout.type, layout.k, n_pos, dst));
    return export_region(cache, layout.type, layout.v, n_pos,
                         dst + value_bytes(layout.type, (uint64_t)n_pos * layout.k.width));
}

Status kv_import(vulkan::Buffer &cache, const KvLayout &layout, uint32_t n_pos, const uint8_t *src) {
    MOEVK_RETURN_IF_ERROR(import_region(cache, layout.type, layout.k, n_pos, src));
    return import_region(cache, layout.type, layout.v, n_pos,
                         src + value_bytes(layout.type, (uint64_t)n_pos * layout.k.width));
}

}  // namespace moevk::session
