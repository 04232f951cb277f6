// device_choice.h — which physical device a DeviceOptions choice names (index, name substring, or the
// default: first discrete GPU, else the first). Separate from device.cpp so it can be read on its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <vulkan/vulkan.h>

#include "core/status.h"

namespace moevk::vulkan {

// Index into devices of the chosen one. Errors: kDevice (no device, index out of range, no name match);
// the message lists what is there.
StatusOr<size_t> choose_physical_device(const std::vector<VkPhysicalDevice> &devices, int64_t index,
                                        const std::string &name_substring);

}  // namespace moevk::vulkan
