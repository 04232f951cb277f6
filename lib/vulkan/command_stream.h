// command_stream.h — records dispatches and copies into one command buffer, inserts a memory barrier
// only where a dispatch touches a range an earlier one wrote (or writes one it read), and submits with a
// fence wait that times out into kDevice instead of hanging. Descriptor sets come from a pool reset per
// submission. One stream is used by one thread at a time; it never waits for other streams.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <vulkan/vulkan.h>

#include "core/status.h"
#include "vulkan/buffer.h"
#include "vulkan/descriptor_pool.h"
#include "vulkan/device.h"
#include "vulkan/pipeline.h"
#include "vulkan/timestamps.h"

namespace moevk::vulkan {

enum class Access { kRead, kWrite, kReadWrite };

// One storage-buffer binding. offset must be a multiple of Device::binding_alignment(); size 0 means
// "to the end of the buffer". Neither may exceed Device::max_binding_bytes().
struct BufferBinding {
    const Buffer *buffer = nullptr;
    uint64_t offset = 0;
    uint64_t size = 0;
    Access access = Access::kRead;
};

struct WorkgroupCount {
    uint32_t x = 1, y = 1, z = 1;
};

class CommandStream {
public:
    static StatusOr<std::unique_ptr<CommandStream>> create(const Device &device);
    ~CommandStream();
    CommandStream(const CommandStream &) = delete;
    CommandStream &operator=(const CommandStream &) = delete;

    // Starts recording, discarding an unfinished recording (waits first if an earlier submission timed
    // out and is still running). A nonzero replay_tag keeps the recording (and its descriptor sets) for
    // replay_and_wait() until the next begin(): the caller promises that a later recording with the same
    // tag would be identical (same pipelines, buffers, ranges, push constants, workgroup counts).
    Status begin(uint64_t replay_tag = 0);
    // Whether the last recording was kept under tag and submitted successfully.
    bool can_replay(uint64_t tag) const { return tag != 0 && replay_tag_ == tag && !recording_; }
    // Submits the kept recording again and waits (no CPU recording: a decode step costs one submission).
    Status replay_and_wait();
    // Records one dispatch. bindings go to 0..n-1 of the pipeline's set; push_bytes must equal the
    // pipeline's push constant size. A dispatch with a zero count records nothing. Misuse: kInternal.
    Status dispatch(const Pipeline &pipeline, const std::vector<BufferBinding> &bindings, const void *push,
                    uint32_t push_bytes, WorkgroupCount groups);
    // Records a buffer copy (ordered against dispatches like one that reads src and writes dst).
    Status copy(const Buffer &src, uint64_t src_offset, const Buffer &dst, uint64_t dst_offset, uint64_t size);
    // Ends recording, submits, waits. Host reads of written buffers are valid afterwards.
    Status submit_and_wait();

    bool recording() const { return recording_; }
    // Counters of the current (or last) recording, for tests and statistics.
    uint32_t n_dispatches() const { return n_dispatches_; }
    uint32_t n_barriers() const { return n_barriers_; }

    // Profiling (internal, off by default): from the next begin(), a timestamp after every dispatch; the
    // GPU time per kernel accumulates until take_profile(). No effect on a queue without timestamps.
    void enable_profiling(bool on);
    bool profiling() const { return timestamps_ != nullptr; }
    KernelProfile take_profile();

private:
    struct Range {
        VkBuffer buffer;
        uint64_t begin, end;
    };
    explicit CommandStream(const Device &device) : device_(device), descriptors_(device.handle()) {}
    // Barrier before an access to these ranges if it conflicts with what is pending.
    void order_access(const std::vector<Range> &reads, const std::vector<Range> &writes);
    void barrier();
    Status wait_in_flight();
    Status submit_recorded();

    const Device &device_;
    DescriptorPool descriptors_;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    VkCommandBuffer cmd_ = VK_NULL_HANDLE;
    VkFence fence_ = VK_NULL_HANDLE;
    bool recording_ = false;
    bool in_flight_ = false;  // submitted and not yet seen finished (only after a timeout)
    uint64_t replay_tag_ = 0;  // tag of the kept recording; 0: none
    uint64_t pending_tag_ = 0;  // tag of the recording in progress
    std::vector<Range> pending_reads_, pending_writes_;  // since the last barrier
    uint32_t n_dispatches_ = 0, n_barriers_ = 0;
    std::unique_ptr<TimestampQueries> timestamps_;  // null unless profiling
    KernelProfile profile_;
};

}  // namespace moevk::vulkan
