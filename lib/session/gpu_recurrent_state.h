// gpu_recurrent_state.h — the recurrent state of a hybrid model's GatedDeltaNet layers on the device, in
// two copies (ping-pong): an eval's chunks read the current copy and write the other one, and the roles
// swap only once the whole eval succeeded, so a failed eval leaves the state as it was. Each copy is one
// float buffer in the host layout of GpuForward::read_recurrent_state.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::session {

// First float of each recurrent layer's conv state and SSM state (per layer; 0 for attention layers).
struct RecurrentStateLayout {
    std::vector<uint32_t> conv_offset, ssm_offset;
    uint64_t total_floats = 0;
    static RecurrentStateLayout of(const model::HParams &hp);
};

class RecurrentState {
public:
    // Zeroed copies for hp (no buffers when the model has no recurrent layer). Errors: kUnsupported (one
    // copy larger than the device can bind), kOutOfMemory, kDevice.
    static StatusOr<std::unique_ptr<RecurrentState>> create(const vulkan::Device &device, const model::HParams &hp);

    const RecurrentStateLayout &layout() const { return layout_; }
    uint64_t bytes() const { return 4 * layout_.total_floats; }
    bool empty() const { return layout_.total_floats == 0; }

    // Before an eval: from_zero starts it from the zero state (position 0) instead of the current one.
    Status begin_eval(bool from_zero);
    // The copy chunk i of the eval reads, and the one every chunk writes (chunks after the first update
    // it in place). Null when empty().
    const vulkan::Buffer *chunk_input(bool first_chunk) const;
    const vulkan::Buffer *output() const { return copies_[current_ ^ 1].get(); }
    // Parity of the current copy: recordings that bind the copies differ by it.
    uint32_t parity() const { return current_; }
    // After the whole eval succeeded: its output becomes the current state.
    void commit();

    // Host access to the current copy (GpuForward's recurrent state access).
    Status read(uint8_t *dst) const;
    Status write(const uint8_t *src);
    Status clear();

private:
    RecurrentStateLayout layout_;
    std::unique_ptr<vulkan::Buffer> copies_[2];
    uint32_t current_ = 0;
    bool from_zero_ = false;
};

}  // namespace moevk::session
