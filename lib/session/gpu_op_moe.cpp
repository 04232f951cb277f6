// gpu_op_moe.cpp — recording of the MoE kernels: router top-k, expert gate/up (+SwiGLU), expert down, and
// the weighted combine with the residual add. Expert slots are bound in chunks under the binding limit:
// one dispatch per chunk, each skipping the (token, expert) pairs whose slot lies elsewhere.
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

struct GateUpPush {
    uint32_t n_tokens, k, n_cols, n_ff, row_bytes, slot_bytes, up_offset_bytes, w_base_byte;
    uint32_t slot_begin, slot_end, ids_offset, x_stride;
};

struct DownPush {
    uint32_t n_pairs, n_cols, n_rows, row_bytes, slot_bytes, w_base_byte, slot_begin, slot_end, ids_offset;
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

Status record_moe_gate_up(GpuRecorder &rec, const MoeGateUpOp &op) {
    const uint32_t n_pairs = op.n_tokens * op.k;
    if (n_pairs == 0) return Status::ok();
    if (op.x.offset != 0) return internal_error("moe_gate_up: x offset must be 0");
    const vulkan::Device &device = rec.kernels.device();
    const uint32_t rows_per_wg = rec.kernels.rows_per_workgroup();
    const uint32_t row_groups = div_up(op.slots.n_rows, rows_per_wg);
    MOEVK_RETURN_IF_ERROR(check_grid(device, row_groups, n_pairs, "moe_gate_up"));
    vulkan::PipelineDesc desc;
    desc.variant = weight_variant("moe_gate_up", op.slots.type);
    desc.n_buffers = 5;
    desc.push_constant_bytes = sizeof(GateUpPush);
    desc.workgroup_size = rec.kernels.reduce_workgroup();
    desc.spec_constants = {{3, rows_per_wg}, {4, rec.kernels.vec4_activation_loads()}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, slot_chunks(device, op.slots));
    for (const vulkan::BindingChunk &c : chunks) {
        GateUpPush pc{op.n_tokens,
                      op.k,
                      op.slots.n_cols,
                      op.slots.n_rows,
                      (uint32_t)op.slots.row_bytes,
                      (uint32_t)op.slots.slot_bytes,
                      (uint32_t)op.slots.up_offset_bytes,
                      c.item_base_byte,
                      (uint32_t)(op.slots.first_slot + c.first_item),
                      (uint32_t)(op.slots.first_slot + c.first_item + c.n_items),
                      op.ids_offset,
                      op.x.stride};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(*pipe,
                                                  {{op.slots.buffer, c.bind_offset, c.bind_size, Access::kRead},
                                                   {op.x.buffer, 0, 0, Access::kRead},
                                                   {op.ids, 0, 0, Access::kRead},
                                                   {op.slot_table, 0, 0, Access::kRead},
                                                   {op.act, 0, 0, Access::kWrite}},
                                                  &pc, sizeof pc, {row_groups, n_pairs, 1}));
    }
    return Status::ok();
}

Status record_moe_down(GpuRecorder &rec, const MoeDownOp &op) {
    if (op.n_pairs == 0) return Status::ok();
    const vulkan::Device &device = rec.kernels.device();
    const uint32_t rows_per_wg = rec.kernels.rows_per_workgroup();
    const uint32_t row_groups = div_up(op.slots.n_rows, rows_per_wg);
    MOEVK_RETURN_IF_ERROR(check_grid(device, row_groups, op.n_pairs, "moe_down"));
    vulkan::PipelineDesc desc;
    desc.variant = weight_variant("moe_down", op.slots.type);
    desc.n_buffers = 5;
    desc.push_constant_bytes = sizeof(DownPush);
    desc.workgroup_size = rec.kernels.reduce_workgroup();
    desc.spec_constants = {{3, rows_per_wg}, {4, rec.kernels.vec4_activation_loads()}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, slot_chunks(device, op.slots));
    for (const vulkan::BindingChunk &c : chunks) {
        DownPush pc{op.n_pairs,
                    op.slots.n_cols,
                    op.slots.n_rows,
                    (uint32_t)op.slots.row_bytes,
                    (uint32_t)op.slots.slot_bytes,
                    c.item_base_byte,
                    (uint32_t)(op.slots.first_slot + c.first_item),
                    (uint32_t)(op.slots.first_slot + c.first_item + c.n_items),
                    op.ids_offset};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(*pipe,
                                                  {{op.slots.buffer, c.bind_offset, c.bind_size, Access::kRead},
                                                   {op.act, 0, 0, Access::kRead},
                                                   {op.ids, 0, 0, Access::kRead},
                                                   {op.slot_table, 0, 0, Access::kRead},
                                                   {op.out, 0, 0, Access::kWrite}},
                                                  &pc, sizeof pc, {row_groups, op.n_pairs, 1}));
    }
    return Status::ok();
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
