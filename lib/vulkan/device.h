// device.h — the chosen physical device, its logical device and compute queue, and the limits the kernels
// and the binding planner need. Optional features (fp16/int8 arithmetic, 8/16-bit storage) are enabled
// when present; a kernel that needs an absent one is refused by require(). It allocates no buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/instance.h"

namespace moevk::vulkan {

// Optional device capabilities a kernel may need (bit mask).
enum DeviceFeature : uint32_t {
    kFeatureShaderFloat16 = 1u << 0,       // VkPhysicalDeviceVulkan12Features::shaderFloat16
    kFeatureShaderInt8 = 1u << 1,          // VkPhysicalDeviceVulkan12Features::shaderInt8
    kFeatureStorage16Bit = 1u << 2,        // VkPhysicalDeviceVulkan11Features::storageBuffer16BitAccess
    kFeatureStorage8Bit = 1u << 3,         // VkPhysicalDeviceVulkan12Features::storageBuffer8BitAccess
    kFeatureSubgroupArithmetic = 1u << 4,  // subgroupAdd/Max in compute shaders
    // VK_NV_cooperative_matrix with a 16x16x16 fp16 x fp16 -> fp32 subgroup shape, shaderFloat16 and
    // 32-wide subgroups (kernels/*_coopmat.comp)
    kFeatureCooperativeMatrix = 1u << 5,
    kFeatureSubgroupShuffle = 1u << 6,  // subgroupShuffleXor in compute shaders (kernels/attention_tiled.comp)
};
// "shaderFloat16, storageBuffer16BitAccess" for a mask.
std::string feature_names(uint32_t features);

struct DeviceOptions {
    // index >= 0: that device in enumeration order. Else the first whose name contains name_substring;
    // empty: the first discrete GPU, else the first device.
    int64_t index = -1;
    std::string name_substring;
    // For tests: bind at most this many bytes per descriptor (0: the device's limit), and pretend the
    // features in this mask are absent.
    uint64_t max_binding_bytes = 0;
    uint32_t hidden_features = 0;
    // A submission that does not finish within this time fails with kDevice instead of hanging (0: any
    // wait that is not already over fails; for tests).
    uint32_t timeout_ms = 120000;
    bool enable_validation = false;
};

// What the device is and the limits moevk plans with.
struct DeviceInfo {
    std::string name;
    VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    uint32_t api_version = 0;
    uint32_t subgroup_size = 0;
    uint64_t max_storage_buffer_range = 0;
    uint64_t min_storage_buffer_offset_alignment = 0;
    uint32_t max_compute_shared_memory_bytes = 0;
    uint32_t max_workgroup_size[3] = {0, 0, 0};
    uint32_t max_workgroup_invocations = 0;
    uint32_t max_workgroup_count[3] = {0, 0, 0};
    uint32_t max_push_constants_bytes = 0;
    uint64_t non_coherent_atom_size = 0;
    uint32_t features = 0;  // DeviceFeature bits present and enabled
};

class Device {
public:
    // Creates its own instance and opens the device opts chooses. Errors: kDevice (no Vulkan, no device,
    // no match for the choice; the message lists the devices), kUnsupported (Vulkan < 1.2, no compute
    // queue), kOutOfMemory.
    static StatusOr<std::unique_ptr<Device>> open(const DeviceOptions &opts);
    ~Device();
    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;

    VkDevice handle() const { return device_; }
    VkPhysicalDevice physical() const { return physical_; }
    VkQueue queue() const { return queue_; }
    uint32_t queue_family() const { return queue_family_; }
    const DeviceInfo &info() const { return info_; }
    const VkPhysicalDeviceMemoryProperties &memory_properties() const { return memory_; }
    uint32_t timeout_ms() const { return timeout_ms_; }

    // Most bytes one descriptor may bind (device limit, test override, capped at 2 GiB so byte offsets
    // inside a binding fit a shader's uint), and the offset alignment every binding respects (>= 16).
    uint64_t max_binding_bytes() const { return max_binding_bytes_; }
    uint64_t binding_alignment() const { return binding_alignment_; }

    // OK when every feature in mask is enabled; else kUnsupported naming the missing ones and who needs them.
    Status require(uint32_t features, const std::string &who) const;

private:
    Device() = default;
    std::unique_ptr<Instance> instance_;
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    VkDevice device_ = VK_NULL_HANDLE;
    VkQueue queue_ = VK_NULL_HANDLE;
    uint32_t queue_family_ = 0;
    DeviceInfo info_;
    VkPhysicalDeviceMemoryProperties memory_{};
    uint64_t max_binding_bytes_ = 0;
    uint64_t binding_alignment_ = 16;
    uint32_t timeout_ms_ = 0;
};

}  // namespace moevk::vulkan
