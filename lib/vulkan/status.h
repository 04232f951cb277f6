// status.h — the one place where a VkResult becomes a moevk Status. Out-of-memory results map to
// kOutOfMemory, everything else that is not VK_SUCCESS to kDevice; the message names the failed call.
#pragma once

#include <vulkan/vulkan.h>

#include "core/status.h"

namespace moevk::vulkan {

// "VK_ERROR_DEVICE_LOST", ... ; "VkResult <n>" for values this build does not name.
const char *vk_result_name(VkResult result);

// OK for VK_SUCCESS; otherwise kOutOfMemory / kDevice with "<what>: <result name>".
Status vk_status(VkResult result, const char *what);

}  // namespace moevk::vulkan

// Returns from the enclosing function when a Vulkan call fails.
#define MOEVK_VK_RETURN_IF_ERROR(call, what) MOEVK_RETURN_IF_ERROR(::moevk::vulkan::vk_status((call), (what)))
