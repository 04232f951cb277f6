// instance.cpp — VkInstance creation for Vulkan 1.2 compute. Enables portability enumeration where the
// loader offers it (so MoltenVK-style drivers are listed) and the validation layer only on request.
#include "vulkan/instance.h"

#include <cstring>

#include "vulkan/status.h"

namespace moevk::vulkan {
namespace {

bool has_extension(const std::vector<VkExtensionProperties> &exts, const char *name) {
    for (const VkExtensionProperties &e : exts)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

bool has_layer(const char *name) {
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkLayerProperties> layers(n);
    if (vkEnumerateInstanceLayerProperties(&n, layers.data()) != VK_SUCCESS) return false;
    for (const VkLayerProperties &l : layers)
        if (std::strcmp(l.layerName, name) == 0) return true;
    return false;
}

// NVIDIA's ICD (libGLX_nvidia) does not always initialise again after the loader has unloaded it, which
// happens whenever the last VkInstance of a process is destroyed: later vkCreateInstance calls then report
// "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr'" and find no driver (seen on the H100
// after a few dozen contexts in one process; NVIDIA/egl-wayland#97). One extra instance, created once the
// first real one succeeded and never destroyed, keeps the drivers loaded. It is immutable after its
// thread-safe creation and holds nothing of any context; if it cannot be created, nothing changes.
void keep_drivers_loaded(const VkInstanceCreateInfo &info) {
    static const VkInstance keep_alive = [&info] {
        VkInstanceCreateInfo plain = info;
        plain.enabledLayerCount = 0;  // no validation layer for an instance that never runs anything
        plain.ppEnabledLayerNames = nullptr;
        VkInstance instance = VK_NULL_HANDLE;
        if (vkCreateInstance(&plain, nullptr, &instance) != VK_SUCCESS) instance = VK_NULL_HANDLE;
        return instance;
    }();
    (void)keep_alive;
}

}  // namespace

StatusOr<std::unique_ptr<Instance>> Instance::create(const InstanceOptions &opts) {
    uint32_t n_ext = 0;
    VkResult r = vkEnumerateInstanceExtensionProperties(nullptr, &n_ext, nullptr);
    if (r != VK_SUCCESS) return vk_status(r, "no usable Vulkan loader (vkEnumerateInstanceExtensionProperties)");
    std::vector<VkExtensionProperties> exts(n_ext);
    MOEVK_VK_RETURN_IF_ERROR(vkEnumerateInstanceExtensionProperties(nullptr, &n_ext, exts.data()),
                             "vkEnumerateInstanceExtensionProperties");

    std::vector<const char *> enabled_exts;
    VkInstanceCreateFlags flags = 0;
    if (has_extension(exts, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
        enabled_exts.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
        flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }
    std::vector<const char *> layers;
    const char *kValidation = "VK_LAYER_KHRONOS_validation";
    if (opts.enable_validation && has_layer(kValidation)) layers.push_back(kValidation);

    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "moevk";
    app.pEngineName = "moevk";
    app.apiVersion = VK_API_VERSION_1_2;

    VkInstanceCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    info.flags = flags;
    info.pApplicationInfo = &app;
    info.enabledExtensionCount = (uint32_t)enabled_exts.size();
    info.ppEnabledExtensionNames = enabled_exts.data();
    info.enabledLayerCount = (uint32_t)layers.size();
    info.ppEnabledLayerNames = layers.data();

    std::unique_ptr<Instance> instance(new Instance());
    r = vkCreateInstance(&info, nullptr, &instance->instance_);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER) return device_error("no Vulkan 1.2 driver is installed (vkCreateInstance)");
    MOEVK_VK_RETURN_IF_ERROR(r, "vkCreateInstance");
    keep_drivers_loaded(info);
    return instance;
}

Instance::~Instance() {
    if (instance_ != VK_NULL_HANDLE) vkDestroyInstance(instance_, nullptr);
}

StatusOr<std::vector<VkPhysicalDevice>> Instance::physical_devices() const {
    uint32_t n = 0;
    MOEVK_VK_RETURN_IF_ERROR(vkEnumeratePhysicalDevices(instance_, &n, nullptr), "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> devices(n);
    VkResult r = vkEnumeratePhysicalDevices(instance_, &n, devices.data());
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) return vk_status(r, "vkEnumeratePhysicalDevices");
    devices.resize(n);
    return devices;
}

}  // namespace moevk::vulkan
