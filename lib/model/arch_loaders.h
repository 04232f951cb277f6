// arch_loaders.h — one entry point per architecture (internal to lib/model); model.cpp picks one by
// general.architecture. Each takes ownership of a parsed file and checks every key and tensor it needs.
#pragma once

#include <memory>

#include "core/status.h"
#include "model/gguf.h"
#include "model/model.h"

namespace moevk::model {

StatusOr<std::unique_ptr<Model>> load_qwen3moe(std::unique_ptr<GgufFile> file);
StatusOr<std::unique_ptr<Model>> load_qwen3next(std::unique_ptr<GgufFile> file);   // qwen3next.cpp
StatusOr<std::unique_ptr<Model>> load_qwen35moe(std::unique_ptr<GgufFile> file);   // qwen3next.cpp

}  // namespace moevk::model
