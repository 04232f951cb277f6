// device.cpp — opens the chosen device: records its limits, enables the optional features it has, and
// takes one compute queue. Requires Vulkan 1.2 (the kernels are SPIR-V 1.5).
#include "vulkan/device.h"

#include <algorithm>
#include <vector>

#include "vulkan/cooperative_matrix.h"
#include "vulkan/device_choice.h"
#include "vulkan/status.h"

namespace moevk::vulkan {
namespace {

struct FeatureName {
    uint32_t bit;
    const char *name;
};
constexpr FeatureName kFeatureNames[] = {
    {kFeatureShaderFloat16, "shaderFloat16"},
    {kFeatureShaderInt8, "shaderInt8"},
    {kFeatureStorage16Bit, "storageBuffer16BitAccess"},
    {kFeatureStorage8Bit, "storageBuffer8BitAccess"},
    {kFeatureSubgroupArithmetic, "subgroup arithmetic in compute shaders"},
    {kFeatureCooperativeMatrix, "VK_NV_cooperative_matrix (16x16x16 fp16 -> fp32, 32-wide subgroups)"},
    {kFeatureSubgroupShuffle, "subgroup shuffles in compute shaders"},
};

// A queue family that can run compute; prefers one without graphics (a dedicated compute queue).
bool find_compute_family(VkPhysicalDevice pd, uint32_t *family) {
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
    std::vector<VkQueueFamilyProperties> fams(n);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, fams.data());
    bool found = false;
    for (uint32_t i = 0; i < n; ++i) {
        if (!(fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || fams[i].queueCount == 0) continue;
        if (!found || !(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) {
            bool dedicated = !(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT);
            *family = i;
            found = true;
            if (dedicated) break;
        }
    }
    return found;
}

}  // namespace

std::string feature_names(uint32_t features) {
    std::string s;
    for (const FeatureName &f : kFeatureNames) {
        if (!(features & f.bit)) continue;
        if (!s.empty()) s += ", ";
        s += f.name;
    }
    return s;
}

StatusOr<std::unique_ptr<Device>> Device::open(const DeviceOptions &opts) {
    std::unique_ptr<Device> dev(new Device());
    InstanceOptions iopts;
    iopts.enable_validation = opts.enable_validation;
    MOEVK_ASSIGN_OR_RETURN(dev->instance_, Instance::create(iopts));
    MOEVK_ASSIGN_OR_RETURN(std::vector<VkPhysicalDevice> devices, dev->instance_->physical_devices());
    MOEVK_ASSIGN_OR_RETURN(size_t chosen, choose_physical_device(devices, opts.index, opts.name_substring));
    VkPhysicalDevice pd = devices[chosen];
    dev->physical_ = pd;

    VkPhysicalDeviceSubgroupProperties subgroup{};
    subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    VkPhysicalDeviceProperties2 props2{};
    props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    props2.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(pd, &props2);
    const VkPhysicalDeviceProperties &p = props2.properties;
    DeviceInfo &info = dev->info_;
    info.name = p.deviceName;
    info.type = p.deviceType;
    info.api_version = p.apiVersion;
    if (VK_API_VERSION_MAJOR(p.apiVersion) == 1 && VK_API_VERSION_MINOR(p.apiVersion) < 2)
        return unsupported("device " + info.name + " supports Vulkan " +
                           std::to_string(VK_API_VERSION_MAJOR(p.apiVersion)) + "." +
                           std::to_string(VK_API_VERSION_MINOR(p.apiVersion)) + "; moevk needs Vulkan 1.2");
    info.subgroup_size = subgroup.subgroupSize;
    info.max_storage_buffer_range = p.limits.maxStorageBufferRange;
    info.min_storage_buffer_offset_alignment = p.limits.minStorageBufferOffsetAlignment;
    info.max_compute_shared_memory_bytes = p.limits.maxComputeSharedMemorySize;
    for (int i = 0; i < 3; ++i) {
        info.max_workgroup_size[i] = p.limits.maxComputeWorkGroupSize[i];
        info.max_workgroup_count[i] = p.limits.maxComputeWorkGroupCount[i];
    }
    info.max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
    info.max_push_constants_bytes = p.limits.maxPushConstantsSize;
    info.non_coherent_atom_size = p.limits.nonCoherentAtomSize;

    // Query the optional features, then enable exactly those present (minus any a test hides).
    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    VkPhysicalDeviceVulkan11Features f11{};
    f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    f11.pNext = &f12;
    VkPhysicalDeviceFeatures2 f2{};
    f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    f2.pNext = &f11;
    vkGetPhysicalDeviceFeatures2(pd, &f2);
    const uint32_t hidden = opts.hidden_features;
    uint32_t features = 0;
    if (f12.shaderFloat16) features |= kFeatureShaderFloat16;
    if (f12.shaderInt8) features |= kFeatureShaderInt8;
    if (f11.storageBuffer16BitAccess) features |= kFeatureStorage16Bit;
    if (f12.storageBuffer8BitAccess) features |= kFeatureStorage8Bit;
    if ((subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
        (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) &&
        (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT))
        features |= kFeatureSubgroupArithmetic;
    if ((subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
        (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT))
        features |= kFeatureSubgroupShuffle;
    // the cooperative-matrix kernels hold f16 tiles and give each of 4 subgroups of 32 a row block
    // (glslang compiles them in the Vulkan memory model)
    if (f12.shaderFloat16 && f12.vulkanMemoryModel && subgroup.subgroupSize == 32 &&
        has_fp16_cooperative_matrix(dev->instance_->handle(), pd))
        features |= kFeatureCooperativeMatrix;
    features &= ~hidden;
    if (!(features & kFeatureShaderFloat16)) features &= ~kFeatureCooperativeMatrix;
    info.features = features;

    VkPhysicalDeviceVulkan12Features en12{};
    en12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    en12.shaderFloat16 = (features & kFeatureShaderFloat16) ? VK_TRUE : VK_FALSE;
    en12.shaderInt8 = (features & kFeatureShaderInt8) ? VK_TRUE : VK_FALSE;
    en12.storageBuffer8BitAccess = (features & kFeatureStorage8Bit) ? VK_TRUE : VK_FALSE;
    VkPhysicalDeviceVulkan11Features en11{};
    en11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    en11.pNext = &en12;
    en11.storageBuffer16BitAccess = (features & kFeatureStorage16Bit) ? VK_TRUE : VK_FALSE;
    VkPhysicalDeviceFeatures2 en2{};
    en2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    en2.pNext = &en11;
    VkPhysicalDeviceCooperativeMatrixFeaturesNV en_coop{};
    en_coop.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
    en_coop.cooperativeMatrix = VK_TRUE;
    std::vector<const char *> extensions;
    if (features & kFeatureCooperativeMatrix) {
        en12.vulkanMemoryModel = VK_TRUE;
        en12.pNext = &en_coop;
        extensions.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
    }

    if (!find_compute_family(pd, &dev->queue_family_))
        return unsupported("device " + info.name + " has no compute queue");
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo qinfo{};
    qinfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    qinfo.queueFamilyIndex = dev->queue_family_;
    qinfo.queueCount = 1;
    qinfo.pQueuePriorities = &priority;
    VkDeviceCreateInfo dinfo{};
    dinfo.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    dinfo.pNext = &en2;
    dinfo.queueCreateInfoCount = 1;
    dinfo.pQueueCreateInfos = &qinfo;
    dinfo.enabledExtensionCount = (uint32_t)extensions.size();
    dinfo.ppEnabledExtensionNames = extensions.data();
    MOEVK_VK_RETURN_IF_ERROR(vkCreateDevice(pd, &dinfo, nullptr, &dev->device_), "vkCreateDevice");
    vkGetDeviceQueue(dev->device_, dev->queue_family_, 0, &dev->queue_);
    vkGetPhysicalDeviceMemoryProperties(pd, &dev->memory_);

    uint64_t range = std::min<uint64_t>(info.max_storage_buffer_range, 1ull << 31);
    if (opts.max_binding_bytes != 0) range = std::min<uint64_t>(range, opts.max_binding_bytes);
    dev->binding_alignment_ = std::max<uint64_t>(info.min_storage_buffer_offset_alignment, 16);
    dev->max_binding_bytes_ = range & ~(uint64_t)3;  // bindings are whole uint words
    dev->timeout_ms_ = opts.timeout_ms;
    return dev;
}

Device::~Device() {
    if (device_ != VK_NULL_HANDLE) {
        vkDeviceWaitIdle(device_);
        vkDestroyDevice(device_, nullptr);
    }
}

Status Device::require(uint32_t features, const std::string &who) const {
    const uint32_t missing = features & ~info_.features;
    if (missing == 0) return Status::ok();
    return unsupported(who + " needs " + feature_names(missing) + ", which device " + info_.name + " lacks");
}

}  // namespace moevk::vulkan
