// gpu_weights.cpp — the upload behind gpu_weights.h: one device buffer per matrix or slot set, created
// first; their bytes are queued on a WeightUploads and read from the file at the end, in parallel.
#include "session/gpu_weights.h"

#include <algorithm>
#include <string>

#include "experts/expert_file.h"

namespace moevk::session {

using model::TensorInfo;

// Buffer holding the given tensors one after another, queued on up.
StatusOr<std::unique_ptr<vulkan::Buffer>> upload_concat(WeightUploads &up, const std::vector<const TensorInfo *> &parts,
                                                        const std::string &name) {
    uint64_t total = 0;
    for (const TensorInfo *t : parts) total += t->size_bytes;
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> buf,
                           vulkan::Buffer::create(up.device(), total, vulkan::MemoryUse::kDevice, name));
    uint64_t at = 0;
    for (const TensorInfo *t : parts) {
        up.add(buf.get(), at, t->file_offset, t->size_bytes, t->name);
        at += t->size_bytes;
    }
    return buf;
}

StatusOr<std::unique_ptr<vulkan::Buffer>> upload_f32(const vulkan::Device &device, const model::Model &m,
                                                     const TensorInfo &t) {
    std::vector<float> values(t.n_elements());
    model::dequantize_row(t.type, m.data(t), values.data(), values.size());
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> buf,
                           vulkan::Buffer::create(device, values.size() * 4, vulkan::MemoryUse::kDevice, t.name));
    MOEVK_RETURN_IF_ERROR(buf->upload(0, values.data(), values.size() * 4));
    return buf;
}

GpuMatrix matrix_view(const vulkan::Buffer *buf, uint64_t offset, const TensorInfo &t, uint32_t n_rows) {
    return GpuMatrix{buf, offset, t.type, n_rows, (uint32_t)t.ne[0], t.row_bytes()};
}

StatusOr<GpuMatrix> upload_matrix(WeightUploads &up, const TensorInfo &t, GpuModelWeights &w) {
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> buf, upload_concat(up, {&t}, t.name));
    GpuMatrix m = matrix_view(buf.get(), 0, t, (uint32_t)t.ne[1]);
    w.buffers.push_back(std::move(buf));
    return m;
}

StatusOr<GpuRowGroup> upload_row_group(WeightUploads &up, const std::vector<const TensorInfo *> &parts,
                                       GpuModelWeights &w) {
    GpuRowGroup g;
    bool fuse = true;
    uint32_t rows = 0;
    for (const TensorInfo *t : parts) {
        fuse = fuse && t->type == parts[0]->type && t->ne[0] == parts[0]->ne[0];
        g.first_row.push_back(rows);
        rows += (uint32_t)t->ne[1];
    }
    if (fuse) {
        // same type and row length: the rows simply follow one another
        std::string name = parts[0]->name;
        for (size_t i = 1; i < parts.size(); ++i) name += "+" + parts[i]->name;
        MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> buf, upload_concat(up, parts, name));
        g.parts = {matrix_view(buf.get(), 0, *parts[0], rows)};
        g.first_row = {0};
        w.buffers.push_back(std::move(buf));
        return g;
    }
    for (const TensorInfo *t : parts) {
        MOEVK_ASSIGN_OR_RETURN(GpuMatrix m, upload_matrix(up, *t, w));
        g.parts.push_back(m);
    }
    return g;
}

namespace {

// Queues the expert matrices [ranges) one after another into a new buffer: expert e of tensor t is
// the e-th slice of t in the file.
struct ExpertSlice {
    const TensorInfo *tensor;
    uint32_t expert;
    uint64_t bytes;
};

StatusOr<std::unique_ptr<vulkan::Buffer>> upload_expert_slices(WeightUploads &up, const std::vector<ExpertSlice> &slices,
                                                               const std::string &name) {
    uint64_t total = 0;
    for (const ExpertSlice &s : slices) total += s.bytes;
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> buf,
                           vulkan::Buffer::create(up.device(), total, vulkan::MemoryUse::kDevice, name));
    uint64_t at = 0;
    for (const ExpertSlice &s : slices) {
        up.add(buf.get(), at, s.tensor->file_offset + s.expert * s.bytes, s.bytes,
               "expert " + std::to_string(s.expert) + " of " + s.tensor->name);
        at += s.bytes;
    }
    return buf;
}

class Uploader {
public:
    Uploader(WeightUploads &up, GpuModelWeights &w) : up_(up), w_(w) {}

    // A 2-D matrix in its own buffer.
    StatusOr<GpuMatrix> matrix(const TensorInfo &t) { return upload_matrix(up_, t, w_); }

    Status qkv(const model::LayerWeights &lw, GpuLayerWeights &out) {
        MOEVK_ASSIGN_OR_RETURN(out.qkv, upload_row_group(up_, {lw.attn_q, lw.attn_k, lw.attn_v}, w_));
        return Status::ok();
    }

    Status experts(const model::LayerWeights &lw, GpuLayerWeights &out) {
        const TensorInfo &gate = *lw.ffn_gate_exps, &up = *lw.ffn_up_exps, &down = *lw.ffn_down_exps;
        if (gate.type != up.type)
            return unsupported(gate.name + " and " + up.name + " have different types (" +
                               model::type_name((uint32_t)gate.type) + ", " + model::type_name((uint32_t)up.type) +
                               "); the expert kernels read both from one slot");
        const uint32_t n_expert = (uint32_t)gate.ne[2];
        const uint64_t gate_bytes = gate.ne[1] * gate.row_bytes();
        const uint64_t down_bytes = down.ne[1] * down.row_bytes();
        // slot e = gate rows of expert e, then its up rows (slot order = expert order: identity table)
        std::vector<ExpertSlice> gu_parts, down_parts;
        for (uint32_t e = 0; e < n_expert; ++e) {
            gu_parts.push_back({&gate, e, gate_bytes});
            gu_parts.push_back({&up, e, gate_bytes});
            down_parts.push_back({&down, e, down_bytes});
        }
        MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> gu_buf,
                               upload_expert_slices(up_, gu_parts, gate.name + "+up"));
        MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<vulkan::Buffer> down_buf,
                               upload_expert_slices(up_, down_parts, down.name));
        out.gate_up = GpuExpertSlots{gu_buf.get(), 0, gate.type, n_expert, 2 * gate_bytes, (uint32_t)gate.ne[1],
                                     (uint32_t)gate.ne[0], gate.row_bytes(), gate_bytes};
        out.down = GpuExpertSlots{down_buf.get(), 0, down.type, n_expert, down_bytes, (uint32_t)down.ne[1],
                                  (uint32_t)down.ne[0], down.row_bytes(), 0};
        w_.buffers.push_back(std::move(gu_buf));
        w_.buffers.push_back(std::move(down_buf));
        return Status::ok();
    }

private:
    WeightUploads &up_;
    GpuModelWeights &w_;
};

}  // namespace

StatusOr<std::unique_ptr<GpuModelWeights>> upload_weights(const vulkan::Device &device, const model::Model &model,
                                                          bool with_experts, const WeightUploadOptions &options) {
    auto w = std::make_unique<GpuModelWeights>();
    WeightUploads uploads(device, options);
    Uploader up(uploads, *w);
    MOEVK_ASSIGN_OR_RETURN(w->token_embd, up.matrix(*model.token_embd));
    if (model.output == model.token_embd) {
        w->output = w->token_embd;
    } else {
        MOEVK_ASSIGN_OR_RETURN(w->output, up.matrix(*model.output));
    }
    MOEVK_ASSIGN_OR_RETURN(w->output_norm, upload_f32(device, model, *model.output_norm));

    const uint32_t n_expert = model.hp.n_expert;
    std::vector<uint32_t> identity(n_expert);
    for (uint32_t e = 0; e < n_expert; ++e) identity[e] = e;
    MOEVK_ASSIGN_OR_RETURN(w->slot_table,
                           vulkan::Buffer::create(device, n_expert * 4, vulkan::MemoryUse::kDevice, "slot_table"));
    MOEVK_RETURN_IF_ERROR(w->slot_table->upload(0, identity.data(), n_expert * 4));

    const model::HParams &hp = model.hp;
    for (uint32_t il = 0; il < hp.n_layer; ++il) {
        const model::LayerWeights &lw = model.layers[il];
        GpuLayerWeights l;
        MOEVK_ASSIGN_OR_RETURN(l.attn_norm, upload_f32(device, model, *lw.attn_norm));
        MOEVK_ASSIGN_OR_RETURN(l.ffn_norm, upload_f32(device, model, *lw.ffn_norm));
        if (hp.is_recurrent(il)) {
            MOEVK_RETURN_IF_ERROR(upload_delta_net(uploads, model, lw, *w, l));
        } else {
            MOEVK_ASSIGN_OR_RETURN(l.q_norm, upload_f32(device, model, *lw.attn_q_norm));
            MOEVK_ASSIGN_OR_RETURN(l.k_norm, upload_f32(device, model, *lw.attn_k_norm));
            if (hp.is_hybrid()) {
                MOEVK_RETURN_IF_ERROR(upload_gated_attention_qkv(uploads, lw, *w, l));
            } else {
                MOEVK_RETURN_IF_ERROR(up.qkv(lw, l));
            }
            MOEVK_ASSIGN_OR_RETURN(l.attn_output, up.matrix(*lw.attn_output));
        }
        std::vector<const TensorInfo *> router = {lw.ffn_gate_inp};
        if (lw.ffn_gate_inp_shexp != nullptr) router.push_back(lw.ffn_gate_inp_shexp);
        MOEVK_ASSIGN_OR_RETURN(l.router, upload_row_group(uploads, router, *w));
        if (lw.ffn_up_shexp != nullptr) MOEVK_RETURN_IF_ERROR(upload_shared_expert(uploads, lw, *w, l));
        if (with_experts) MOEVK_RETURN_IF_ERROR(up.experts(lw, l));
        w->layers.push_back(std::move(l));
    }
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<experts::ExpertFile> file, experts::ExpertFile::open(model.file->path(), false));
    MOEVK_RETURN_IF_ERROR(uploads.run(*file));
    return w;
}

}  // namespace moevk::session
