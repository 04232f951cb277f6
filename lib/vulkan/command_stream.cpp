// command_stream.cpp — recording, hazard barriers and the timed submission (see command_stream.h).
#include "vulkan/command_stream.h"

#include <string>

#include "vulkan/status.h"

namespace moevk::vulkan {
namespace {

bool overlaps(VkBuffer b, uint64_t begin, uint64_t end, VkBuffer b2, uint64_t begin2, uint64_t end2) {
    return b == b2 && begin < end2 && begin2 < end;
}

constexpr VkPipelineStageFlags kWorkStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;

}  // namespace

StatusOr<std::unique_ptr<CommandStream>> CommandStream::create(const Device &device) {
    std::unique_ptr<CommandStream> s(new CommandStream(device));
    VkDevice dev = device.handle();
    VkCommandPoolCreateInfo pinfo{};
    pinfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pinfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pinfo.queueFamilyIndex = device.queue_family();
    MOEVK_VK_RETURN_IF_ERROR(vkCreateCommandPool(dev, &pinfo, nullptr, &s->pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo ainfo{};
    ainfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    ainfo.commandPool = s->pool_;
    ainfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ainfo.commandBufferCount = 1;
    MOEVK_VK_RETURN_IF_ERROR(vkAllocateCommandBuffers(dev, &ainfo, &s->cmd_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo finfo{};
    finfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    MOEVK_VK_RETURN_IF_ERROR(vkCreateFence(dev, &finfo, nullptr, &s->fence_), "vkCreateFence");
    return s;
}

CommandStream::~CommandStream() {
    VkDevice dev = device_.handle();
    if (in_flight_) vkQueueWaitIdle(device_.queue());  // never free a command buffer the GPU may still run
    if (fence_ != VK_NULL_HANDLE) vkDestroyFence(dev, fence_, nullptr);
    if (pool_ != VK_NULL_HANDLE) vkDestroyCommandPool(dev, pool_, nullptr);
}

Status CommandStream::wait_in_flight() {
    if (!in_flight_) return Status::ok();
    VkResult r = vkWaitForFences(device_.handle(), 1, &fence_, VK_TRUE, (uint64_t)device_.timeout_ms() * 1000000ull);
    if (r == VK_TIMEOUT) return device_error("an earlier submission is still running after the timeout");
    MOEVK_VK_RETURN_IF_ERROR(r, "vkWaitForFences");
    in_flight_ = false;
    return Status::ok();
}

Status CommandStream::begin(uint64_t replay_tag) {
    // a recording abandoned after an error is simply discarded by the reset below
    recording_ = false;
    replay_tag_ = 0;
    MOEVK_RETURN_IF_ERROR(wait_in_flight());
    MOEVK_VK_RETURN_IF_ERROR(vkResetFences(device_.handle(), 1, &fence_), "vkResetFences");
    MOEVK_VK_RETURN_IF_ERROR(vkResetCommandBuffer(cmd_, 0), "vkResetCommandBuffer");
    MOEVK_RETURN_IF_ERROR(descriptors_.reset());
    VkCommandBufferBeginInfo binfo{};
    binfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    binfo.flags = replay_tag ? 0 : VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    MOEVK_VK_RETURN_IF_ERROR(vkBeginCommandBuffer(cmd_, &binfo), "vkBeginCommandBuffer");
    pending_tag_ = replay_tag;
    if (timestamps_) timestamps_->begin(cmd_);
    recording_ = true;
    pending_reads_.clear();
    pending_writes_.clear();
    n_dispatches_ = n_barriers_ = 0;
    return Status::ok();
}

void CommandStream::barrier() {
    VkMemoryBarrier mb{};
    mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                       VK_ACCESS_TRANSFER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd_, kWorkStages, kWorkStages, 0, 1, &mb, 0, nullptr, 0, nullptr);
    pending_reads_.clear();
    pending_writes_.clear();
    ++n_barriers_;
}

void CommandStream::order_access(const std::vector<Range> &reads, const std::vector<Range> &writes) {
    bool hazard = false;
    for (const Range &r : reads)  // read after write
        for (const Range &w : pending_writes_)
            hazard = hazard || overlaps(r.buffer, r.begin, r.end, w.buffer, w.begin, w.end);
    for (const Range &w : writes) {  // write after read or write
        for (const Range &p : pending_writes_)
            hazard = hazard || overlaps(w.buffer, w.begin, w.end, p.buffer, p.begin, p.end);
        for (const Range &p : pending_reads_)
            hazard = hazard || overlaps(w.buffer, w.begin, w.end, p.buffer, p.begin, p.end);
    }
    if (hazard) barrier();
    pending_reads_.insert(pending_reads_.end(), reads.begin(), reads.end());
    pending_writes_.insert(pending_writes_.end(), writes.begin(), writes.end());
}

Status CommandStream::dispatch(const Pipeline &pipeline, const std::vector<BufferBinding> &bindings,
                               const void *push, uint32_t push_bytes, WorkgroupCount groups) {
    const PipelineDesc &desc = pipeline.desc();
    // the message prefix is built only on an error: no string allocation per dispatch
    const auto who = [&desc] { return "dispatch of " + desc.variant + ": "; };
    if (!recording_) return internal_error(who() + "stream is not recording");
    if (bindings.size() != desc.n_buffers)
        return internal_error(who() + std::to_string(bindings.size()) + " bindings for " +
                              std::to_string(desc.n_buffers));
    if (push_bytes != desc.push_constant_bytes)
        return internal_error(who() + std::to_string(push_bytes) + " push constant bytes for " +
                              std::to_string(desc.push_constant_bytes));
    const DeviceInfo &info = device_.info();
    if (groups.x > info.max_workgroup_count[0] || groups.y > info.max_workgroup_count[1] ||
        groups.z > info.max_workgroup_count[2])
        return internal_error(who() + "workgroup count " + std::to_string(groups.x) + "x" + std::to_string(groups.y) +
                              "x" + std::to_string(groups.z) + " over the device's limit");
    if (groups.x == 0 || groups.y == 0 || groups.z == 0) return Status::ok();

    std::vector<VkDescriptorBufferInfo> infos(bindings.size());
    std::vector<Range> reads, writes;
    for (size_t i = 0; i < bindings.size(); ++i) {
        const BufferBinding &b = bindings[i];
        if (!b.buffer) return internal_error(who() + "binding " + std::to_string(i) + " has no buffer");
        const uint64_t total = b.buffer->size_bytes();
        const uint64_t size = b.size ? b.size : (b.offset < total ? total - b.offset : 0);
        if (b.offset % device_.binding_alignment() != 0 || b.offset >= total || size > total - b.offset ||
            size > device_.max_binding_bytes())
            return internal_error(who() + "binding " + std::to_string(i) + " of " + b.buffer->name() + " [" +
                                  std::to_string(b.offset) + ", +" + std::to_string(size) +
                                  ") is misaligned, outside the buffer or over the binding limit");
        infos[i] = {b.buffer->handle(), b.offset, size};
        const Range r{b.buffer->handle(), b.offset, b.offset + size};
        if (b.access != Access::kWrite) reads.push_back(r);
        if (b.access != Access::kRead) writes.push_back(r);
    }
    order_access(reads, writes);

    MOEVK_ASSIGN_OR_RETURN(VkDescriptorSet set, descriptors_.allocate(pipeline.set_layout()));
    std::vector<VkWriteDescriptorSet> w(bindings.size());
    for (size_t i = 0; i < bindings.size(); ++i) {
        w[i] = {};
        w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w[i].dstSet = set;
        w[i].dstBinding = (uint32_t)i;
        w[i].descriptorCount = 1;
        w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(device_.handle(), (uint32_t)w.size(), w.data(), 0, nullptr);

    vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle());
    vkCmdBindDescriptorSets(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout(), 0, 1, &set, 0, nullptr);
    if (push_bytes) vkCmdPushConstants(cmd_, pipeline.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
    vkCmdDispatch(cmd_, groups.x, groups.y, groups.z);
    if (timestamps_) timestamps_->after_dispatch(cmd_, desc.variant);
    ++n_dispatches_;
    return Status::ok();
}

Status CommandStream::copy(const Buffer &src, uint64_t src_offset, const Buffer &dst, uint64_t dst_offset,
                           uint64_t size) {
    if (!recording_) return internal_error("copy: stream is not recording");
    if (src_offset > src.size_bytes() || size > src.size_bytes() - src_offset || dst_offset > dst.size_bytes() ||
        size > dst.size_bytes() - dst_offset)
        return internal_error("copy " + src.name() + " -> " + dst.name() + ": range outside a buffer");
    if (size == 0) return Status::ok();
    order_access({{src.handle(), src_offset, src_offset + size}}, {{dst.handle(), dst_offset, dst_offset + size}});
    VkBufferCopy region{src_offset, dst_offset, size};
    vkCmdCopyBuffer(cmd_, src.handle(), dst.handle(), 1, &region);
    if (timestamps_) timestamps_->after_dispatch(cmd_, "copy");
    return Status::ok();
}

Status CommandStream::submit_and_wait() {
    if (!recording_) return internal_error("submit_and_wait: stream is not recording");
    recording_ = false;
    // make every write of the recording visible to the host once the fence has signalled
    VkMemoryBarrier mb{};
    mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd_, kWorkStages, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
    MOEVK_VK_RETURN_IF_ERROR(vkEndCommandBuffer(cmd_), "vkEndCommandBuffer");
    MOEVK_RETURN_IF_ERROR(submit_recorded());
    replay_tag_ = pending_tag_;  // replayable only once it ran to completion
    return Status::ok();
}

Status CommandStream::replay_and_wait() {
    if (recording_ || replay_tag_ == 0) return internal_error("replay_and_wait: no kept recording");
    const uint64_t tag = replay_tag_;
    replay_tag_ = 0;  // a failed replay leaves nothing to replay
    MOEVK_RETURN_IF_ERROR(wait_in_flight());
    MOEVK_VK_RETURN_IF_ERROR(vkResetFences(device_.handle(), 1, &fence_), "vkResetFences");
    MOEVK_RETURN_IF_ERROR(submit_recorded());
    replay_tag_ = tag;
    return Status::ok();
}

Status CommandStream::submit_recorded() {
    VkSubmitInfo sinfo{};
    sinfo.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    sinfo.commandBufferCount = 1;
    sinfo.pCommandBuffers = &cmd_;
    MOEVK_VK_RETURN_IF_ERROR(vkQueueSubmit(device_.queue(), 1, &sinfo, fence_), "vkQueueSubmit");
    in_flight_ = true;
    VkResult r = vkWaitForFences(device_.handle(), 1, &fence_, VK_TRUE, (uint64_t)device_.timeout_ms() * 1000000ull);
    if (r == VK_TIMEOUT)
        return device_error("GPU work did not finish within " + std::to_string(device_.timeout_ms()) + " ms");
    MOEVK_VK_RETURN_IF_ERROR(r, "vkWaitForFences");
    in_flight_ = false;
    if (timestamps_) timestamps_->collect(profile_);
    return Status::ok();
}

void CommandStream::enable_profiling(bool on) {
    // enough queries for the longest recording (a prefill chunk of a 48-layer model is ~700 dispatches)
    if (on && !timestamps_) timestamps_ = std::make_unique<TimestampQueries>(device_, 8192);
    if (!on) timestamps_.reset();
}

KernelProfile CommandStream::take_profile() {
    KernelProfile p = std::move(profile_);
    profile_ = KernelProfile();
    return p;
}

}  // namespace moevk::vulkan
