// instance.h — one VkInstance, owned by whoever creates it (a context owns its own). The only process-wide
// object is a never-used instance that keeps the drivers loaded (instance.cpp says why).
// It only creates the instance and lists physical devices; choosing one is device.h's job.
#pragma once

#include <memory>
#include <vector>

#include <vulkan/vulkan.h>

#include "core/status.h"

namespace moevk::vulkan {

struct InstanceOptions {
    // Turn on VK_LAYER_KHRONOS_validation when it is installed (tests); ignored when it is not.
    bool enable_validation = false;
};

class Instance {
public:
    // Errors: kDevice (no Vulkan loader/driver), kOutOfMemory.
    static StatusOr<std::unique_ptr<Instance>> create(const InstanceOptions &opts);
    ~Instance();
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;

    VkInstance handle() const { return instance_; }
    // Physical devices in the loader's enumeration order (may be empty).
    StatusOr<std::vector<VkPhysicalDevice>> physical_devices() const;

private:
    Instance() = default;
    VkInstance instance_ = VK_NULL_HANDLE;
};

}  // namespace moevk::vulkan
