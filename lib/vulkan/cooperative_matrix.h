// cooperative_matrix.h — whether a device can run the cooperative-matrix prompt kernels
// (kernels/*_coopmat.comp): VK_NV_cooperative_matrix with a 16x16x16 fp16 x fp16 + fp32 -> fp32 subgroup
// shape, and the feature struct that enables it.
#pragma once

#include <vulkan/vulkan.h>

namespace moevk::vulkan {

// True when pd has the extension, its cooperativeMatrix feature, and the shape above.
bool has_fp16_cooperative_matrix(VkInstance instance, VkPhysicalDevice pd);

}  // namespace moevk::vulkan
