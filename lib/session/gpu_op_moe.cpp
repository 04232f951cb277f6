// gpu_op_moe.cpp — recording of the MoE kernels: router top-k, grouping of the pairs by expert, expert
// gate/up (+SwiGLU), expert down, and the weighted combine with the residual add (alone, or fused into
// expert down for the ungrouped path). Expert slots are bound in chunks under the binding limit: one
// dispatch per chunk, each skipping the (token, expert) pairs whose slot lies elsewhere.
#include <algorithm>
#include <string>

#include "session/gpu_ops.h"
#include "vulkan/binding_chunks.h"

namespace moevk::session {
namespace {

using vulkan::Access;

struct RouterPush {
    uint32_t n_tokens, n_expert, k, norm_topk, logits_stride, ids_offset;
};

// Push constants of both expert kernels (kernels/common/expert_io.glsl).
struct ExpertPush {
    uint32_t pairs_per_x, n_cols, n_rows, row_bytes, slot_bytes, up_offset_bytes, w_base_byte;
    uint32_t slot_begin, slot_end, ids_offset, x_stride, grouped, list_base, k;
};

// The push constants every expert kernel shares: the slots' shape and the chunk of slots bound; the caller
// sets the rest (pairs per activation row, ids, stride, grouping, k).
ExpertPush chunk_push(const GpuExpertSlots &slots, const vulkan::BindingChunk &c) {
    ExpertPush pc{};
    pc.n_cols = slots.n_cols;
    pc.n_rows = slots.n_rows;
    pc.row_bytes = (uint32_t)slots.row_bytes;
    pc.slot_bytes = (uint32_t)slots.slot_bytes;
    pc.up_offset_bytes = (uint32_t)slots.up_offset_bytes;
    pc.w_base_byte = c.item_base_byte;
    pc.slot_begin = (uint32_t)(slots.first_slot + c.first_item);
    pc.slot_end = (uint32_t)(slots.first_slot + c.first_item + c.n_items);
    return pc;
}

struct GroupPush {
    uint32_t n_pairs, n_expert, ids_offset, tile, list_base;
};

struct CombinePush {
    uint32_t n_tokens, k, n_embd;
};

StatusOr<std::vector<vulkan::BindingChunk>> slot_chunks(const vulkan::Device &device, const GpuExpertSlots &s) {
    MOEVK_RETURN_IF_ERROR(check_weight_row_alignment(s.type, s.offset, s.row_bytes, "expert slots"));
    MOEVK_RETURN_IF_ERROR(check_weight_row_alignment(s.type, s.slot_bytes, s.up_offset_bytes, "expert slots"));
    vulkan::ChunkPlan plan;
    plan.buffer_bytes = s.buffer->size_bytes();
    plan.start_offset = s.offset;
    plan.n_items = s.n_slots;
    plan.item_bytes = s.slot_bytes;
    plan.max_binding_bytes = device.max_binding_bytes();
    plan.alignment = device.binding_alignment();
    return vulkan::plan_binding_chunks(plan);
}

uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

Status check_grid(const vulkan::Device &device, uint32_t row_groups, uint32_t pairs, const char *who) {
    const vulkan::DeviceInfo &info = device.info();
    if (row_groups > info.max_workgroup_count[0] || pairs > info.max_workgroup_count[1])
        return unsupported(std::string(who) + ": " + std::to_string(row_groups) + " row groups x " + std::to_string(pairs) +
                           " token-expert pairs exceed the device's workgroup count limits");
    return Status::ok();
}

// Grouped pair lists start after the tile count and the worst case of one tile per pair.
uint32_t list_base(uint32_t n_pairs) { return 1 + 3 * n_pairs; }

// One expert kernel (moe_gate_up / moe_down) over a batch's pairs: x rows, ids and slot table in, out rows.
struct ExpertDispatch {
    const char *kernel;
    const GpuExpertSlots &slots;
    uint32_t n_pairs;
    uint32_t pairs_per_x;  // pairs reading one x row
    const vulkan::Buffer *x;
    uint32_t x_stride;
    const vulkan::Buffer *ids;
    uint32_t ids_offset;
    const vulkan::Buffer *slot_table;
    const vulkan::Buffer *out;
    MoeGroups groups;
};

// The pipeline and tile of an expert kernel: the mat-vec kernel (rows_per_wg rows, one subgroup each, x
// moe_pair_tile() grouped pairs or a single pair), or the prompt one (moe_*_tiled.comp, moe_*_coopmat.comp)
// on tiled groups.
struct ExpertKernel {
    vulkan::PipelineDesc desc;
    uint32_t rows = 0, tile = 0;  // rows and grouped pairs per workgroup
    bool grouped = false;
};

// The mat-vec expert kernels (moe_gate_up, moe_down, moe_down_combine): a subgroup per row.
vulkan::PipelineDesc matvec_expert_desc(const GpuKernels &kernels, const char *kernel, model::GgmlType type) {
    vulkan::PipelineDesc desc;
    desc.variant = weight_variant(kernel, type);
    desc.n_buffers = 6;
    desc.push_constant_bytes = sizeof(ExpertPush);
    desc.workgroup_size = kernels.reduce_workgroup();
    desc.spec_constants = {{3, kernels.rows_per_workgroup()},
                           {4, kernels.vec4_activation_loads()},
                           {5, kernels.moe_pair_tile()}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    return desc;
}

ExpertKernel expert_kernel(const GpuKernels &kernels, const ExpertDispatch &d) {
    ExpertKernel k;
    if (d.groups.tiled) {
        k.rows = kernels.gemm_rows();
        k.tile = kernels.gemm_pairs();
        k.grouped = true;
        k.desc = kernels.prefill_desc(d.kernel, d.slots.type, k.tile);
        k.desc.spec_constants = {{3, k.rows}, {5, k.tile}};
        k.desc.n_buffers = 6;
        k.desc.push_constant_bytes = sizeof(ExpertPush);
        return k;
    }
    k.desc = matvec_expert_desc(kernels, d.kernel, d.slots.type);
    k.rows = kernels.rows_per_workgroup();
    k.tile = kernels.moe_pair_tile();
    k.grouped = d.groups.buffer != nullptr && k.tile > 1;
    return k;
}

// One dispatch per binding chunk of the slots; workgroups (row block, pair or tile of grouped pairs).
Status record_expert_kernel(GpuRecorder &rec, const ExpertDispatch &d) {
    if (d.n_pairs == 0) return Status::ok();
    const vulkan::Device &device = rec.kernels.device();
    const ExpertKernel k = expert_kernel(rec.kernels, d);
    const bool grouped = k.grouped;
    const uint32_t tile = k.tile;
    if (d.groups.tiled && d.groups.buffer == nullptr) return internal_error(std::string(d.kernel) + ": tiled without groups");
    if (grouped && (d.groups.n_expert == 0 || d.groups.buffer->size_bytes() < moe_groups_bytes(d.n_pairs)))
        return internal_error(std::string(d.kernel) + ": groups without experts or buffer too small");
    const uint32_t rows_per_wg = k.rows;
    const uint32_t row_groups = div_up(d.slots.n_rows, rows_per_wg);
    // grouped: each expert's last tile may be partial
    const uint32_t grid_y = grouped ? std::min(d.n_pairs, div_up(d.n_pairs, tile) + std::min(d.groups.n_expert, d.n_pairs))
                                    : d.n_pairs;
    MOEVK_RETURN_IF_ERROR(check_grid(device, row_groups, grid_y, d.kernel));
    const vulkan::PipelineDesc &desc = k.desc;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, slot_chunks(device, d.slots));
    for (const vulkan::BindingChunk &c : chunks) {
        ExpertPush pc = chunk_push(d.slots, c);
        pc.pairs_per_x = d.pairs_per_x;
        pc.ids_offset = d.ids_offset;
        pc.x_stride = d.x_stride;
        pc.grouped = grouped ? 1u : 0u;
        pc.list_base = list_base(d.n_pairs);
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(*pipe,
                                                  {{d.slots.buffer, c.bind_offset, c.bind_size, Access::kRead},
                                                   {d.x, 0, 0, Access::kRead},
                                                   {d.ids, 0, 0, Access::kRead},
                                                   {d.slot_table, 0, 0, Access::kRead},
                                                   {d.out, 0, 0, Access::kWrite},
                                                   // not read when single pairs: any buffer will do
                                                   {grouped ? d.groups.buffer : d.ids, 0, 0, Access::kRead}},
                                                  &pc, sizeof pc, {row_groups, grid_y, 1}));
    }
    return Status::ok();
}

}  // namespace

Status record_router(GpuRecorder &rec, const RouterOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    if (op.k == 0 || op.k > kMaxExpertsUsed || op.k > op.n_expert || op.logits.offset != 0)
        return unsupported("router: " + std::to_string(op.k) + " experts per token of " +
                           std::to_string(op.n_expert) + " (at most " + std::to_string(kMaxExpertsUsed) + ")");
    vulkan::PipelineDesc desc;
    desc.variant = "router_topk";
    desc.n_buffers = 3;
    desc.push_constant_bytes = sizeof(RouterPush);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    // shared logits sized for the model's expert count (rounded up: few pipelines across models)
    desc.spec_constants = {{2, kMaxExpertsUsed}, {3, std::max<uint32_t>(64, (op.n_expert + 63) / 64 * 64)}};
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    RouterPush pc{op.n_tokens, op.n_expert, op.k, op.norm_topk ? 1u : 0u, op.logits.stride, op.ids_offset};
    return rec.stream.dispatch(*pipe,
                               {{op.logits.buffer, 0, 0, Access::kRead},
                                {op.ids, 0, 0, Access::kWrite},
                                {op.weights, 0, 0, Access::kWrite}},
                               &pc, sizeof pc, {op.n_tokens, 1, 1});  // one workgroup per token
}

uint64_t moe_groups_bytes(uint32_t n_pairs) { return 4ull * (1 + 4ull * n_pairs); }

Status record_moe_group(GpuRecorder &rec, const MoeGroupOp &op) {
    if (op.n_pairs == 0) return Status::ok();
    if (op.n_expert == 0 || !op.groups || op.groups->size_bytes() < moe_groups_bytes(op.n_pairs))
        return internal_error("moe_group: no experts or groups buffer too small");
    vulkan::PipelineDesc desc;
    desc.variant = "moe_group";
    desc.n_buffers = 2;
    desc.push_constant_bytes = sizeof(GroupPush);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    desc.spec_constants = {{2, std::max<uint32_t>(64, (op.n_expert + 63) / 64 * 64)}};
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    const uint32_t tile = op.tiled ? rec.kernels.gemm_pairs() : rec.kernels.moe_pair_tile();
    GroupPush pc{op.n_pairs, op.n_expert, op.ids_offset, tile, list_base(op.n_pairs)};
    return rec.stream.dispatch(*pipe, {{op.ids, 0, 0, Access::kRead}, {op.groups, 0, 0, Access::kWrite}}, &pc,
                               sizeof pc, {1, 1, 1});
}

Status record_moe_gate_up(GpuRecorder &rec, const MoeGateUpOp &op) {
    if (op.x.offset != 0) return internal_error("moe_gate_up: x offset must be 0");
    return record_expert_kernel(rec, {"moe_gate_up", op.slots, op.n_tokens * op.k, op.k, op.x.buffer, op.x.stride,
                                      op.ids, op.ids_offset, op.slot_table, op.act, op.groups});
}

Status record_moe_down(GpuRecorder &rec, const MoeDownOp &op) {
    return record_expert_kernel(rec, {"moe_down", op.slots, op.n_pairs, 1, op.act, op.slots.n_cols, op.ids,
                                      op.ids_offset, op.slot_table, op.out, op.groups});
}

StatusOr<bool> moe_slots_in_one_binding(const vulkan::Device &device, const GpuExpertSlots &slots) {
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, slot_chunks(device, slots));
    return chunks.size() == 1;
}

Status record_moe_down_combine(GpuRecorder &rec, const MoeDownCombineOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    const vulkan::Device &device = rec.kernels.device();
    if (op.k == 0 || op.slots.n_rows == 0) return internal_error("moe_down_combine: no experts per token or no rows");
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, slot_chunks(device, op.slots));
    if (chunks.size() != 1)
        return internal_error("moe_down_combine: the expert slots need " + std::to_string(chunks.size()) +
                              " bindings (check moe_slots_in_one_binding first)");
    const uint32_t row_groups = div_up(op.slots.n_rows, rec.kernels.rows_per_workgroup());
    MOEVK_RETURN_IF_ERROR(check_grid(device, row_groups, op.n_tokens, "moe_down_combine"));
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe,
                           rec.kernels.get(matvec_expert_desc(rec.kernels, "moe_down_combine", op.slots.type)));
    const vulkan::BindingChunk &c = chunks[0];
    ExpertPush pc = chunk_push(op.slots, c);
    pc.pairs_per_x = 1;
    pc.ids_offset = op.ids_offset;
    pc.x_stride = op.slots.n_cols;
    pc.k = op.k;
    return rec.stream.dispatch(*pipe,
                               {{op.slots.buffer, c.bind_offset, c.bind_size, Access::kRead},
                                {op.act, 0, 0, Access::kRead},
                                {op.ids, 0, 0, Access::kRead},
                                {op.slot_table, 0, 0, Access::kRead},
                                {op.x, 0, 0, Access::kReadWrite},
                                {op.weights, 0, 0, Access::kRead}},
                               &pc, sizeof pc, {row_groups, op.n_tokens, 1});
}

Status record_moe_combine(GpuRecorder &rec, const MoeCombineOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    vulkan::PipelineDesc desc;
    desc.variant = "moe_combine";
    desc.n_buffers = 3;
    desc.push_constant_bytes = sizeof(CombinePush);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    CombinePush pc{op.n_tokens, op.k, op.n_embd};
    return rec.stream.dispatch(*pipe,
                               {{op.expert_out, 0, 0, Access::kRead},
                                {op.weights, 0, 0, Access::kRead},
                                {op.x, 0, 0, Access::kReadWrite}},
                               &pc, sizeof pc,
                               {(op.n_embd + desc.workgroup_size - 1) / desc.workgroup_size, op.n_tokens, 1});
}

}  // namespace moevk::session
