// device_choice.cpp — picks a physical device by index, name substring or type (see device_choice.h).
#include "vulkan/device_choice.h"

namespace moevk::vulkan {
namespace {

std::string list_devices(const std::vector<VkPhysicalDeviceProperties> &props) {
    std::string s;
    for (size_t i = 0; i < props.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(i) + ": " + props[i].deviceName;
    }
    return s.empty() ? "none" : s;
}

}  // namespace

StatusOr<size_t> choose_physical_device(const std::vector<VkPhysicalDevice> &devices, int64_t index,
                                        const std::string &name_substring) {
    if (devices.empty()) return device_error("no Vulkan device found (is a driver such as lavapipe installed?)");
    std::vector<VkPhysicalDeviceProperties> props(devices.size());
    for (size_t i = 0; i < devices.size(); ++i) vkGetPhysicalDeviceProperties(devices[i], &props[i]);

    if (index >= 0) {
        if ((uint64_t)index >= devices.size())
            return device_error("device index " + std::to_string(index) + " out of range; devices: " +
                                list_devices(props));
        return (size_t)index;
    }
    if (!name_substring.empty()) {
        for (size_t i = 0; i < devices.size(); ++i)
            if (std::string(props[i].deviceName).find(name_substring) != std::string::npos) return i;
        return device_error("no Vulkan device name contains \"" + name_substring + "\"; devices: " +
                            list_devices(props));
    }
    for (size_t i = 0; i < devices.size(); ++i)
        if (props[i].deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU) return i;
    return (size_t)0;
}

}  // namespace moevk::vulkan
