// shader_registry.h — the SPIR-V of every kernel variant, embedded at build time (kernels/manifest.cmake,
// kernels/embed_spirv.cmake). Looked up by variant name; no shader file is read at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace moevk::vulkan {

struct EmbeddedShader {
    const char *name;
    const uint32_t *words;
    size_t n_words;
};

extern const EmbeddedShader kEmbeddedShaders[];
extern const size_t kEmbeddedShaderCount;

// The variant called name, or nullptr.
const EmbeddedShader *find_shader(const std::string &name);

}  // namespace moevk::vulkan
