// gpu_recurrent_state.cpp — layout and ping-pong copies of the hybrid models' recurrent state (see
// gpu_recurrent_state.h).
#include "session/gpu_recurrent_state.h"

#include <string>

namespace moevk::session {

RecurrentStateLayout RecurrentStateLayout::of(const model::HParams &hp) {
    RecurrentStateLayout l;
    l.conv_offset.assign(hp.n_layer, 0);
    l.ssm_offset.assign(hp.n_layer, 0);
    const uint64_t conv = (uint64_t)hp.ssm_conv_dim() * (hp.ssm_d_conv > 0 ? hp.ssm_d_conv - 1 : 0);
    const uint64_t ssm = (uint64_t)hp.ssm_n_v_heads * hp.ssm_head_dim * hp.ssm_head_dim;
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        if (!hp.is_recurrent(il)) continue;
        l.conv_offset[il] = (uint32_t)l.total_floats;
        l.ssm_offset[il] = (uint32_t)(l.total_floats + conv);
        l.total_floats += conv + ssm;
    }
    return l;
}

StatusOr<std::unique_ptr<RecurrentState>> RecurrentState::create(const vulkan::Device &device,
                                                                 const model::HParams &hp) {
    std::unique_ptr<RecurrentState> st(new RecurrentState());
    st->layout_ = RecurrentStateLayout::of(hp);
    if (st->empty()) return st;
    if (st->bytes() > device.max_binding_bytes() || st->layout_.total_floats > UINT32_MAX)
        return unsupported("the recurrent state (" + std::to_string(st->bytes()) +
                           " bytes) is larger than the device can bind");
    for (int i = 0; i < 2; ++i) {
        MOEVK_ASSIGN_OR_RETURN(st->copies_[i], vulkan::Buffer::create(device, st->bytes(), vulkan::MemoryUse::kDevice,
                                                                      "recurrent_state." + std::to_string(i)));
        MOEVK_RETURN_IF_ERROR(st->copies_[i]->fill_zero());
    }
    return st;
}

Status RecurrentState::begin_eval(bool from_zero) {
    from_zero_ = from_zero;
    // the first chunk then updates the zeroed output copy in place; the current copy stays untouched
    if (from_zero && !empty()) return copies_[current_ ^ 1]->fill_zero();
    return Status::ok();
}

const vulkan::Buffer *RecurrentState::chunk_input(bool first_chunk) const {
    return first_chunk && !from_zero_ ? copies_[current_].get() : copies_[current_ ^ 1].get();
}

void RecurrentState::commit() {
    if (!empty()) current_ ^= 1;
}

Status RecurrentState::read(uint8_t *dst) const {
    if (empty()) return Status::ok();
    return copies_[current_]->download(0, dst, bytes());
}

Status RecurrentState::write(const uint8_t *src) {
    if (empty()) return Status::ok();
    return copies_[current_]->upload(0, src, bytes());
}

Status RecurrentState::clear() {
    if (empty()) return Status::ok();
    return copies_[current_]->fill_zero();
}

}  // namespace moevk::session
