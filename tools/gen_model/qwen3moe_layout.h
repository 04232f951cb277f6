// qwen3moe_layout.h — declares a whole qwen3moe model on a GgufWriter: metadata keys and tensor list as
// llama.cpp's converter writes them. Matrices get the requested type; norms and the router stay F32 (as in
// llama.cpp files). Produces the fill recipe of each tensor; writing the bytes is model_file_writer's job.
#pragma once

#include <cstdint>
#include <vector>

#include "gguf_writer.h"
#include "model_spec.h"
#include "weight_fill.h"
#include "weight_types.h"

namespace moevk::gen {

// Adds everything to `writer` (which should be empty) and returns one TensorFill per declared tensor, in
// declaration order. The spec must have passed validate_spec() for `type`.
std::vector<TensorFill> declare_qwen3moe(const ModelSpec &spec, const WeightTypes &types, uint64_t seed,
                                         GgufWriter &writer);

}  // namespace moevk::gen
