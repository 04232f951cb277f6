// pipeline.cpp — shader module, set layout, pipeline layout and compute pipeline for one PipelineDesc.
#include "vulkan/pipeline.h"

#include "vulkan/shader_registry.h"
#include "vulkan/status.h"

namespace moevk::vulkan {

StatusOr<std::unique_ptr<Pipeline>> Pipeline::create(const Device &device, const PipelineDesc &desc) {
    const std::string who = "kernel " + desc.variant;
    const EmbeddedShader *shader = find_shader(desc.variant);
    if (!shader) return internal_error(who + " is not embedded in this build (kernels/manifest.cmake)");
    MOEVK_RETURN_IF_ERROR(device.require(desc.required_features, who));
    const DeviceInfo &info = device.info();
    if (desc.push_constant_bytes > info.max_push_constants_bytes)
        return unsupported(who + " needs " + std::to_string(desc.push_constant_bytes) +
                           " bytes of push constants; the device allows " +
                           std::to_string(info.max_push_constants_bytes));
    if (desc.workgroup_size == 0 || desc.workgroup_size > info.max_workgroup_size[0] ||
        desc.workgroup_size > info.max_workgroup_invocations)
        return unsupported(who + ": workgroup size " + std::to_string(desc.workgroup_size) +
                           " is over the device's limit " + std::to_string(info.max_workgroup_size[0]));

    std::unique_ptr<Pipeline> p(new Pipeline());
    p->device_ = device.handle();
    p->desc_ = desc;

    VkShaderModuleCreateInfo minfo{};
    minfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    minfo.codeSize = shader->n_words * sizeof(uint32_t);
    minfo.pCode = shader->words;
    MOEVK_VK_RETURN_IF_ERROR(vkCreateShaderModule(p->device_, &minfo, nullptr, &p->module_), "vkCreateShaderModule");

    std::vector<VkDescriptorSetLayoutBinding> bindings(desc.n_buffers);
    for (uint32_t i = 0; i < desc.n_buffers; ++i) {
        bindings[i] = {};
        bindings[i].binding = i;
        bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        bindings[i].descriptorCount = 1;
        bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo linfo{};
    linfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    linfo.bindingCount = desc.n_buffers;
    linfo.pBindings = bindings.data();
    MOEVK_VK_RETURN_IF_ERROR(vkCreateDescriptorSetLayout(p->device_, &linfo, nullptr, &p->set_layout_),
                             "vkCreateDescriptorSetLayout");

    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, desc.push_constant_bytes};
    VkPipelineLayoutCreateInfo plinfo{};
    plinfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    plinfo.setLayoutCount = 1;
    plinfo.pSetLayouts = &p->set_layout_;
    plinfo.pushConstantRangeCount = desc.push_constant_bytes ? 1 : 0;
    plinfo.pPushConstantRanges = &range;
    MOEVK_VK_RETURN_IF_ERROR(vkCreatePipelineLayout(p->device_, &plinfo, nullptr, &p->layout_),
                             "vkCreatePipelineLayout");

    // Spec constants: workgroup size, the device's subgroup size, then the kernel's own.
    std::vector<SpecConstant> constants = {{kSpecWorkgroupSize, desc.workgroup_size},
                                           {kSpecSubgroupSize, info.subgroup_size}};
    constants.insert(constants.end(), desc.spec_constants.begin(), desc.spec_constants.end());
    std::vector<VkSpecializationMapEntry> entries(constants.size());
    std::vector<uint32_t> values(constants.size());
    for (size_t i = 0; i < constants.size(); ++i) {
        entries[i] = {constants[i].id, (uint32_t)(i * sizeof(uint32_t)), sizeof(uint32_t)};
        values[i] = constants[i].value;
    }
    VkSpecializationInfo spec{};
    spec.mapEntryCount = (uint32_t)entries.size();
    spec.pMapEntries = entries.data();
    spec.dataSize = values.size() * sizeof(uint32_t);
    spec.pData = values.data();

    VkComputePipelineCreateInfo cinfo{};
    cinfo.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    cinfo.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cinfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cinfo.stage.module = p->module_;
    cinfo.stage.pName = "main";
    cinfo.stage.pSpecializationInfo = &spec;
    cinfo.layout = p->layout_;
    MOEVK_RETURN_IF_ERROR(
        vk_status(vkCreateComputePipelines(p->device_, VK_NULL_HANDLE, 1, &cinfo, nullptr, &p->pipeline_),
                  "vkCreateComputePipelines")
            .with_prefix(who + ": "));
    return p;
}

Pipeline::~Pipeline() {
    if (pipeline_ != VK_NULL_HANDLE) vkDestroyPipeline(device_, pipeline_, nullptr);
    if (layout_ != VK_NULL_HANDLE) vkDestroyPipelineLayout(device_, layout_, nullptr);
    if (set_layout_ != VK_NULL_HANDLE) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
    if (module_ != VK_NULL_HANDLE) vkDestroyShaderModule(device_, module_, nullptr);
}

}  // namespace moevk::vulkan
