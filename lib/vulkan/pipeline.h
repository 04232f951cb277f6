// pipeline.h — a compute pipeline built from one embedded SPIR-V variant (shader_registry.h): its
// descriptor set layout (storage buffers at bindings 0..n-1), push constant range and specialization
// constants. Creating it checks the device's limits and the features the kernel needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/device.h"

namespace moevk::vulkan {

// Specialization constant ids every kernel shares (kernels/common/ documents the same numbers).
constexpr uint32_t kSpecWorkgroupSize = 0;  // local_size_x_id = 0
constexpr uint32_t kSpecSubgroupSize = 1;   // the device's default subgroup size, a hint only
// Kernel-specific constants use ids from 2 on.

struct SpecConstant {
    uint32_t id;
    uint32_t value;
};

struct PipelineDesc {
    std::string variant;                       // name in kernels/manifest.cmake
    uint32_t n_buffers = 0;                    // storage buffers at bindings 0..n_buffers-1
    uint32_t push_constant_bytes = 0;          // <= 128 everywhere
    uint32_t workgroup_size = 64;              // kSpecWorkgroupSize
    std::vector<SpecConstant> spec_constants;  // ids >= 2
    uint32_t required_features = 0;            // DeviceFeature bits
};

class Pipeline {
public:
    // Errors: kInternal (variant not embedded), kUnsupported (feature missing, workgroup or push constants
    // over the device's limits), kDevice / kOutOfMemory.
    static StatusOr<std::unique_ptr<Pipeline>> create(const Device &device, const PipelineDesc &desc);
    ~Pipeline();
    Pipeline(const Pipeline &) = delete;
    Pipeline &operator=(const Pipeline &) = delete;

    const PipelineDesc &desc() const { return desc_; }
    VkPipeline handle() const { return pipeline_; }
    VkPipelineLayout layout() const { return layout_; }
    VkDescriptorSetLayout set_layout() const { return set_layout_; }

private:
    Pipeline() = default;
    VkDevice device_ = VK_NULL_HANDLE;
    PipelineDesc desc_;
    VkShaderModule module_ = VK_NULL_HANDLE;
    VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace moevk::vulkan
