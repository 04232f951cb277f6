// cooperative_matrix.cpp — see cooperative_matrix.h.
#include "vulkan/cooperative_matrix.h"

#include <cstring>
#include <vector>

namespace moevk::vulkan {
namespace {

bool has_extension(VkPhysicalDevice pd, const char *name) {
    uint32_t n = 0;
    if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkExtensionProperties> exts(n);
    if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, exts.data()) != VK_SUCCESS) return false;
    for (const VkExtensionProperties &e : exts)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

bool is_fp16_16x16x16(const VkCooperativeMatrixPropertiesNV &p) {
    return p.MSize == 16 && p.NSize == 16 && p.KSize == 16 && p.AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
           p.BType == VK_COMPONENT_TYPE_FLOAT16_NV && p.CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
           p.DType == VK_COMPONENT_TYPE_FLOAT32_NV && p.scope == VK_SCOPE_SUBGROUP_NV;
}

}  // namespace

bool has_fp16_cooperative_matrix(VkInstance instance, VkPhysicalDevice pd) {
    if (!has_extension(pd, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME)) return false;
    VkPhysicalDeviceCooperativeMatrixFeaturesNV coop{};
    coop.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
    VkPhysicalDeviceFeatures2 f2{};
    f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    f2.pNext = &coop;
    vkGetPhysicalDeviceFeatures2(pd, &f2);
    if (!coop.cooperativeMatrix) return false;
    auto get_properties = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
        vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
    if (!get_properties) return false;
    uint32_t n = 0;
    if (get_properties(pd, &n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkCooperativeMatrixPropertiesNV> props(n);
    for (VkCooperativeMatrixPropertiesNV &p : props) p.sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
    if (get_properties(pd, &n, props.data()) != VK_SUCCESS) return false;
    for (const VkCooperativeMatrixPropertiesNV &p : props)
        if (is_fp16_16x16x16(p)) return true;
    return false;
}

}  // namespace moevk::vulkan
