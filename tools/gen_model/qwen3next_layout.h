// qwen3next_layout.h — declares a whole hybrid model (qwen3next or qwen35moe, spec.arch) on a GgufWriter:
// metadata keys and tensor list as llama.cpp's converter writes them (docs/hybrid-models.md). Matrices get the
// requested type; norms, the router, the shared-expert gate and the small recurrent tensors stay F32.
#pragma once

#include <cstdint>
#include <vector>

#include "gguf_writer.h"
#include "model_spec.h"
#include "weight_fill.h"
#include "weight_types.h"

namespace moevk::gen {

// As declare_qwen3moe(), for spec.is_hybrid() specs.
std::vector<TensorFill> declare_qwen3next(const ModelSpec &spec, const WeightTypes &types, uint64_t seed,
                                          GgufWriter &writer);

}  // namespace moevk::gen
