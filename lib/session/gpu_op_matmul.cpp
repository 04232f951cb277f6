// gpu_op_matmul.cpp — recording of the weight-matrix kernels (matmul, matmul_norm, get_rows): one dispatch per binding
// chunk of rows, so a tensor larger than one descriptor may bind is still read in place.
#include <algorithm>

#include "session/gpu_ops.h"
#include "vulkan/binding_chunks.h"

namespace moevk::session {
namespace {

using vulkan::Access;

// rows_per_group: rows one workgroup takes, so that a chunk's workgroup count stays under the device's limit.
StatusOr<std::vector<vulkan::BindingChunk>> row_chunks(const vulkan::Device &device, const GpuMatrix &m,
                                                       uint32_t rows_per_group) {
    MOEVK_RETURN_IF_ERROR(check_weight_row_alignment(m.type, m.offset, m.row_bytes, "weight matrix"));
    vulkan::ChunkPlan plan;
    plan.buffer_bytes = m.buffer->size_bytes();
    plan.start_offset = m.offset;
    plan.n_items = m.n_rows;
    plan.item_bytes = m.row_bytes;
    plan.max_binding_bytes = device.max_binding_bytes();
    plan.alignment = device.binding_alignment();
    plan.max_items_per_chunk = (uint64_t)device.info().max_workgroup_count[0] * rows_per_group;
    return vulkan::plan_binding_chunks(plan);
}

uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// The mat-vec variant of a matrix: with wide loads (GPUs), f32 rows whose length is a multiple of 4 take
// units of 4 columns (kernels/common/type_f32.glsl, F32_UNIT4); matmul and matmul_norm choose alike, so
// they keep the same bits. CPU devices keep one column per unit (the golden snapshots' bits).
std::string matvec_variant(const GpuKernels &kernels, const char *op, const GpuMatrix &w) {
    if (kernels.vec4_activation_loads() && w.type == model::GgmlType::kF32 && w.n_cols % 4 == 0)
        return std::string(op) + "_f32x4";
    return weight_variant(op, w.type);
}

struct MatmulPush {
    uint32_t n_rows, n_cols, n_tokens, w_base_byte, row_bytes;
    uint32_t x_offset, x_stride, y_offset, y_stride, accumulate;
};

struct MatmulNormPush {
    uint32_t n_rows, n_cols, n_tokens, w_base_byte, row_bytes;
    uint32_t x_offset, x_stride, y_offset, y_stride;
    float eps;
    uint32_t h_offset, h_stride, write_h;
};

struct GetRowsPush {
    uint32_t n_tokens, n_cols, row_bytes, w_base_byte, row_begin, n_rows, out_offset, out_stride;
};


// The kernel of a call: the mat-vec kernel (matmul.comp: rows_per_wg rows x `tokens` tokens per workgroup)
// or, for a prompt, the tiled mat-mul (matmul_tiled.comp, or matmul_coopmat.comp).
struct MatmulKernel {
    vulkan::PipelineDesc desc;
    uint32_t rows = 0, tokens = 0;  // per workgroup
};

MatmulKernel matmul_kernel(const GpuKernels &kernels, const MatmulOp &op) {
    MatmulKernel k;
    if (kernels.tiled_matmul(op.n_tokens, op.w.n_rows)) {
        k.rows = kernels.gemm_rows();
        k.tokens = kernels.gemm_tokens();
        k.desc = kernels.prefill_desc("matmul", op.w.type, k.tokens);
        k.desc.spec_constants = {{2, k.tokens}, {3, k.rows}};
    }
    k.desc.n_buffers = 3;
    k.desc.push_constant_bytes = sizeof(MatmulPush);
    if (kernels.tiled_matmul(op.n_tokens, op.w.n_rows)) return k;
    k.rows = kernels.rows_per_workgroup();
    k.tokens = kernels.matmul_token_tile();
    k.desc.variant = matvec_variant(kernels, "matmul", op.w);
    k.desc.workgroup_size = kernels.reduce_workgroup();
    k.desc.spec_constants = {{2, k.tokens}, {3, k.rows}, {4, kernels.vec4_activation_loads()}};
    k.desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    return k;
}

}  // namespace

Status record_matmul(GpuRecorder &rec, const MatmulOp &op) {
    if (op.n_tokens == 0 || op.w.n_rows == 0) return Status::ok();
    const vulkan::Device &device = rec.kernels.device();
    const MatmulKernel k = matmul_kernel(rec.kernels, op);
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(k.desc));
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, row_chunks(device, op.w, k.rows));
    const Access y_access = op.accumulate ? Access::kReadWrite : Access::kWrite;
    for (const vulkan::BindingChunk &c : chunks) {
        MatmulPush pc{(uint32_t)c.n_items, op.w.n_cols, op.n_tokens, c.item_base_byte, (uint32_t)op.w.row_bytes,
                      op.x.offset, op.x.stride, op.y.offset + (uint32_t)c.first_item, op.y.stride,
                      op.accumulate ? 1u : 0u};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(
            *pipe,
            {{op.w.buffer, c.bind_offset, c.bind_size, Access::kRead},
             {op.x.buffer, 0, 0, Access::kRead},
             {op.y.buffer, 0, 0, y_access}},
            &pc, sizeof pc, {div_up((uint32_t)c.n_items, k.rows), div_up(op.n_tokens, k.tokens), 1}));
    }
    return Status::ok();
}

Status record_matmul_norm(GpuRecorder &rec, const MatmulNormOp &op) {
    if (op.n_tokens == 0 || op.w.n_rows == 0) return Status::ok();
    if (op.norm_weight == nullptr) return internal_error("matmul_norm: no norm weight");
    const vulkan::Device &device = rec.kernels.device();
    vulkan::PipelineDesc desc;
    desc.variant = matvec_variant(rec.kernels, "matmul_norm", op.w);
    desc.n_buffers = 5;
    desc.push_constant_bytes = sizeof(MatmulNormPush);
    desc.workgroup_size = rec.kernels.reduce_workgroup();  // rms_norm's: the same norm bits
    const uint32_t tile = rec.kernels.matmul_token_tile();
    const uint32_t rows_per_wg = rec.kernels.rows_per_workgroup();
    desc.spec_constants = {{2, tile}, {3, rows_per_wg}, {4, rec.kernels.vec4_activation_loads()}};
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, row_chunks(device, op.w, rows_per_wg));
    const bool write_h = op.h.buffer != nullptr;
    for (size_t i = 0; i < chunks.size(); ++i) {
        const vulkan::BindingChunk &c = chunks[i];
        MatmulNormPush pc{(uint32_t)c.n_items, op.w.n_cols, op.n_tokens, c.item_base_byte, (uint32_t)op.w.row_bytes,
                          op.x.offset, op.x.stride, op.y.offset + (uint32_t)c.first_item, op.y.stride, op.eps,
                          op.h.offset, op.h.stride, write_h && i == 0 ? 1u : 0u};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(
            *pipe,
            {{op.w.buffer, c.bind_offset, c.bind_size, Access::kRead},
             {op.x.buffer, 0, 0, Access::kRead},
             {op.y.buffer, 0, 0, Access::kWrite},
             {op.norm_weight, 0, 0, Access::kRead},
             // not written without h: the y binding will do (it is written anyway)
             {write_h ? op.h.buffer : op.y.buffer, 0, 0, Access::kWrite}},
            &pc, sizeof pc, {div_up((uint32_t)c.n_items, rows_per_wg), div_up(op.n_tokens, tile), 1}));
    }
    return Status::ok();
}

Status record_get_rows(GpuRecorder &rec, const GetRowsOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    const vulkan::Device &device = rec.kernels.device();
    vulkan::PipelineDesc desc;
    desc.variant = weight_variant("get_rows", op.table.type);
    desc.n_buffers = 3;
    desc.push_constant_bytes = sizeof(GetRowsPush);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    MOEVK_ASSIGN_OR_RETURN(std::vector<vulkan::BindingChunk> chunks, row_chunks(device, op.table, 1));
    const uint32_t n_units = op.table.n_cols / weight_unit_elements(op.table.type);
    for (const vulkan::BindingChunk &c : chunks) {
        GetRowsPush pc{op.n_tokens,          op.table.n_cols,  (uint32_t)op.table.row_bytes, c.item_base_byte,
                       (uint32_t)c.first_item, (uint32_t)c.n_items, op.out.offset,            op.out.stride};
        MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(
            *pipe,
            {{op.table.buffer, c.bind_offset, c.bind_size, Access::kRead},
             {op.ids, 0, 0, Access::kRead},
             {op.out.buffer, 0, 0, Access::kWrite}},
            &pc, sizeof pc, {div_up(n_units, desc.workgroup_size), op.n_tokens, 1}));
    }
    return Status::ok();
}

}  // namespace moevk::session
