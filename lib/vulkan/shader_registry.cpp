// shader_registry.cpp — look-up in the generated table of embedded SPIR-V (a handful of entries: linear).
#include "vulkan/shader_registry.h"

namespace moevk::vulkan {

const EmbeddedShader *find_shader(const std::string &name) {
    for (size_t i = 0; i < kEmbeddedShaderCount; ++i)
        if (name == kEmbeddedShaders[i].name) return &kEmbeddedShaders[i];
    return nullptr;
}

}  // namespace moevk::vulkan
