// gpu_stream_pass.cpp — per-layer submissions, expert loads in waves and prefetch (see gpu_stream_pass.h).
// Submission L runs the experts of layer L-1 and the attention and routing of layer L.
#include "session/gpu_stream_pass.h"

#include <algorithm>

namespace moevk::session {
namespace {

constexpr uint32_t kNoSlot = 0xFFFFFFFFu;  // >= every dispatch's slot_end: the kernels skip the pair

}  // namespace

StatusOr<std::unique_ptr<StreamingPass>> StreamingPass::create(const vulkan::Device &device, const model::Model &model,
                                                               const experts::ExpertCacheOptions &opts) {
    std::unique_ptr<StreamingPass> p(new StreamingPass());
    MOEVK_ASSIGN_OR_RETURN(experts::ExpertLayout layout, experts::ExpertLayout::of(model));
    MOEVK_ASSIGN_OR_RETURN(p->cache_, experts::ExpertCache::create(device, model.file->path(), layout, opts));
    const experts::ExpertShape &s = layout.slot_shape();  // load_wave() sets each layer's types
    for (const experts::SlotSegment &seg : p->cache_->segments()) {
        ExpertSlotSet set;
        set.gate_up = GpuExpertSlots{seg.gate_up.get(), 0, s.gate_up_type, seg.n_slots, s.gate_up_slot_bytes(),
                                     s.n_ff, s.n_embd, s.gate_row_bytes, s.gate_bytes, seg.first_slot};
        set.down = GpuExpertSlots{seg.down.get(), 0, s.down_type, seg.n_slots, s.down_bytes,
                                  s.n_embd, s.n_ff, s.down_row_bytes, 0, seg.first_slot};
        p->sets_.push_back(set);
    }
    p->predicted_.resize(layout.n_layer());
    p->table_.assign(layout.n_expert(), kNoSlot);
    return p;
}

void StreamingPass::forget_predictions() {
    for (auto &p : predicted_) p.clear();
}

Status StreamingPass::load_wave(const GpuPass &pass, uint32_t layer, const std::vector<uint32_t> &wave) {
    std::vector<uint32_t> slots;
    MOEVK_RETURN_IF_ERROR(cache_->load(layer, wave, &slots));
    std::fill(table_.begin(), table_.end(), kNoSlot);
    for (size_t j = 0; j < wave.size(); ++j) table_[wave[j]] = slots[j];
    wave_sets_.clear();
    // slots are sized for the largest layer; this layer's types and row sizes may be smaller (Q4_K_M mixes)
    const experts::ExpertShape &ls = cache_->layout().layer_shape(layer);
    for (ExpertSlotSet set : sets_) {
        set.gate_up.type = ls.gate_up_type;
        set.gate_up.row_bytes = ls.gate_row_bytes;
        set.gate_up.up_offset_bytes = ls.gate_bytes;
        set.down.type = ls.down_type;
        set.down.row_bytes = ls.down_row_bytes;
        const uint32_t first = set.gate_up.first_slot, end = first + set.gate_up.n_slots;
        for (uint32_t s : slots)
            if (s >= first && s < end) {
                wave_sets_.push_back(set);
                break;
            }
    }
    return pass.weights.slot_table->upload(0, table_.data(), table_.size() * 4);
}

Status StreamingPass::run_chunk(GpuRecorder &rec, const GpuPass &pass, uint32_t n, bool want_last) {
    const uint32_t n_layer = pass.shape.n_layer, k = pass.shape.k_used, n_expert = pass.shape.n_expert;
    MOEVK_RETURN_IF_ERROR(rec.stream.begin());
    MOEVK_RETURN_IF_ERROR(record_embedding(rec, pass, n));
    MOEVK_RETURN_IF_ERROR(record_attention_and_route(rec, pass, 0, n));
    if (prefetch_) cache_->prefetch(0, predicted_[0]);
    MOEVK_RETURN_IF_ERROR(rec.stream.submit_and_wait());

    std::vector<int32_t> ids((size_t)n * k);
    std::vector<uint32_t> needed;
    for (uint32_t il = 0; il < n_layer; ++il) {
        const uint64_t ids_byte = 4ull * il * pass.scratch.max_batch * k;
        MOEVK_RETURN_IF_ERROR(pass.scratch.expert_ids->download(ids_byte, ids.data(), ids.size() * 4));
        needed.clear();
        for (int32_t e : ids) {
            if (e < 0 || (uint32_t)e >= n_expert)
                return internal_error("router chose expert " + std::to_string(e) + " of " + std::to_string(n_expert));
            needed.push_back((uint32_t)e);
        }
        std::sort(needed.begin(), needed.end());
        needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
        predicted_[il].assign(ids.end() - k, ids.end());  // the last token's choice predicts the next one's

        // waves of at most n_slots experts, each its own submission; the last one goes on to the next layer
        const size_t wave_size = cache_->n_slots();
        for (size_t w0 = 0; w0 < needed.size(); w0 += wave_size) {
            const std::vector<uint32_t> wave(needed.begin() + w0, needed.begin() + std::min(needed.size(), w0 + wave_size));
            MOEVK_RETURN_IF_ERROR(load_wave(pass, il, wave));
            MOEVK_RETURN_IF_ERROR(rec.stream.begin());
            MOEVK_RETURN_IF_ERROR(record_experts(rec, pass, il, n, wave_sets_));
            if (w0 + wave_size >= needed.size()) {
                MOEVK_RETURN_IF_ERROR(record_combine(rec, pass, il, n));
                if (il + 1 < n_layer) {
                    MOEVK_RETURN_IF_ERROR(record_attention_and_route(rec, pass, il + 1, n));
                    if (prefetch_) cache_->prefetch(il + 1, predicted_[il + 1]);  // reads overlap this submission
                } else if (want_last) {
                    MOEVK_RETURN_IF_ERROR(record_lm_head(rec, pass, n - 1, 1));
                }
            }
            MOEVK_RETURN_IF_ERROR(rec.stream.submit_and_wait());
        }
    }
    return Status::ok();
}

}  // namespace moevk::session
