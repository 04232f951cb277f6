// gpu_kv_io.h — converts between a layer's KV cache in device memory (layout of gpu_ops.h KvLayout) and
// the device-independent bytes GpuForward::read_kv/write_kv promise: K rows then V rows of positions
// [0, n_pos), f32 / f16 as is, q8_0 as ggml block_q8_0. Host-side copies only; no kernel runs.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "session/gpu_ops.h"
#include "vulkan/buffer.h"

namespace moevk::session {

uint64_t kv_export_bytes(const KvLayout &layout, uint32_t n_pos);
Status kv_export(const vulkan::Buffer &cache, const KvLayout &layout, uint32_t n_pos, uint8_t *dst);
Status kv_import(vulkan::Buffer &cache, const KvLayout &layout, uint32_t n_pos, const uint8_t *src);

}  // namespace moevk::session
