// gpu_op_hybrid.cpp — recording of the hybrid models' kernels (gpu_ops_hybrid.h): the GatedDeltaNet conv and
// recurrence, the gated attention's query/gate split and sigmoid gate, the shared expert's SwiGLU and gated
// add. Arguments are checked here (kInvalidArg, kUnsupported) so a kernel never reads or writes outside its
// rows; the kernels themselves trust their push constants.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "session/gpu_ops_hybrid.h"

namespace moevk::session {
namespace {

using vulkan::Access;

// Largest GatedDeltaNet head the gated_delta kernel takes: one invocation per value column, each keeping its
// column of the state in a private array of head_dim / 4 vec4s (real models: 128). head_dim % 4 == 0.
constexpr uint32_t kMaxGatedDeltaHeadDim = 256;

// gated_delta_chunked: a workgroup of kGatedDeltaChunkWorkgroup invocations per (value head, block of value
// columns); its shared memory holds the sub-chunk's q and k rows and its slice of the state. Blocks of 32
// columns where that fits (head_dim 128: 38 KiB, within the 48 KiB NVIDIA devices give a workgroup), else 16
// (28 KiB, within lavapipe's 32 KiB): more workgroups recomputing the sub-chunk's k.k and q.k products.
constexpr uint32_t kMaxGatedDeltaChunkedHeadDim = 128;
constexpr uint32_t kGatedDeltaChunkWorkgroup = 128;
constexpr uint32_t kGatedDeltaChunkBlocksV[] = {32, 16};
static_assert(32 <= kGatedDeltaChunkWorkgroup && 2 * kGatedDeltaChunk < kGatedDeltaChunkWorkgroup,
              "gated_delta_chunked.comp: a column per invocation in the solve, 2 * CHUNK + 1 in the norms");

struct SsmConvPush {
    uint32_t n_tokens, channels, d_conv, x_offset, x_stride, out_offset, out_stride, state_offset;
};

struct GatedDeltaPush {
    uint32_t n_tokens, n_k_heads, n_v_heads, ba_group, k_head_interleaved;
    uint32_t conv_offset, conv_stride, ba_offset, ba_stride, z_offset, z_stride, out_offset, out_stride;
    uint32_t state_offset;
    float eps;
};

struct GatedDeltaChunkedPush {
    uint32_t n_tokens, n_k_heads, n_v_heads, ba_group, k_head_interleaved;
    uint32_t conv_offset, conv_stride, ba_offset, ba_stride, out_offset, out_stride, state_offset;
    float eps;
};

struct GatedDeltaNormPush {
    uint32_t z_offset, z_stride, out_offset, out_stride;
    float eps;
};

struct SplitQGatePush {
    uint32_t n_tokens, n_head, head_dim, qg_offset, qg_stride, q_offset, q_stride, gate_offset, gate_stride;
};

struct SigmoidMulPush {
    uint32_t n_tokens, width, x_offset, x_stride, gate_offset, gate_stride;
};

struct SwigluPush {
    uint32_t n_tokens, width, gate_offset, gate_stride, up_offset, up_stride, out_offset, out_stride;
};

struct GatedAddPush {
    uint32_t n_tokens, width, x_offset, x_stride, y_offset, y_stride, logit_offset, logit_stride;
};

uint32_t div_up(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

// n_tokens rows of width floats of a lie inside its buffer and do not overlap one another.
Status check_rows(const GpuActivations &a, uint32_t n_tokens, uint64_t width, const char *who, const char *name) {
    // the message is built only on an error: no string allocation per recorded op
    const auto what = [&] { return std::string(who) + ": " + name; };
    if (a.buffer == nullptr) return invalid_arg(what() + " has no buffer");
    if (n_tokens > 1 && a.stride < width)
        return invalid_arg(what() + " stride " + std::to_string(a.stride) + " is shorter than its rows of " +
                           std::to_string(width) + " floats");
    const uint64_t end_float = a.offset + (uint64_t)(n_tokens - 1) * a.stride + width;
    if (end_float * 4 > a.buffer->size_bytes())
        return invalid_arg(what() + " rows end at byte " + std::to_string(end_float * 4) + ", past the " +
                           std::to_string(a.buffer->size_bytes()) + " bytes of " + a.buffer->name());
    return Status::ok();
}

// Whether some row of a (wa floats) shares a float with some row of b (wb floats), n rows each; rows as
// check_rows() accepted them (stride >= width).
bool rows_overlap(const GpuActivations &a, uint64_t wa, const GpuActivations &b, uint64_t wb, uint32_t n) {
    if (a.buffer != b.buffer || n == 0) return false;
    const auto row = [](const GpuActivations &x, uint64_t t) { return (int64_t)x.offset + (int64_t)(t * x.stride); };
    if (a.stride != b.stride || n == 1)  // whole spans
        return row(a, 0) < row(b, n - 1) + (int64_t)wb && row(b, 0) < row(a, n - 1) + (int64_t)wa;
    const int64_t s = a.stride;
    for (uint64_t ta = 0; ta < n; ++ta) {
        const int64_t begin = row(a, ta);
        // rows of b are at most one stride long: only the one starting at or before begin and the next can touch
        const int64_t rel = begin - (int64_t)b.offset;
        const int64_t tb0 = rel >= 0 ? rel / s : -((-rel + s - 1) / s);
        for (int64_t tb = tb0; tb <= tb0 + 1; ++tb) {
            if (tb < 0 || tb >= (int64_t)n) continue;
            const int64_t b_begin = row(b, (uint64_t)tb);
            if (begin < b_begin + (int64_t)wb && b_begin < begin + (int64_t)wa) return true;
        }
    }
    return false;
}

bool same_rows(const GpuActivations &a, const GpuActivations &b) {
    return a.buffer == b.buffer && a.offset == b.offset && a.stride == b.stride;
}

// An output read element by element before it is written may be its input exactly; any other overlap races.
Status check_in_place_or_disjoint(const GpuActivations &out, const GpuActivations &in, uint64_t width,
                                  uint32_t n_tokens, const char *who, const char *names) {
    if (same_rows(out, in) || !rows_overlap(out, width, in, width, n_tokens)) return Status::ok();
    return invalid_arg(std::string(who) + ": " + names + " overlap without being the same rows");
}

Status check_disjoint(const GpuActivations &a, uint64_t wa, const GpuActivations &b, uint64_t wb,
                      uint32_t n_tokens, const char *who, const char *names) {
    if (!rows_overlap(a, wa, b, wb, n_tokens)) return Status::ok();
    return invalid_arg(std::string(who) + ": " + names + " must not overlap");
}

Status check_weight(const vulkan::Buffer *b, uint64_t n_floats, const char *who, const char *name) {
    if (b == nullptr) return invalid_arg(std::string(who) + ": " + name + " has no buffer");
    if (n_floats * 4 > b->size_bytes())
        return invalid_arg(std::string(who) + ": " + name + " needs " + std::to_string(n_floats * 4) +
                           " bytes, " + b->name() + " has " + std::to_string(b->size_bytes()));
    return Status::ok();
}

// Element-wise kernels run one workgroup row per token.
Status check_token_grid(const vulkan::Device &device, uint32_t n_tokens, const char *who) {
    if (n_tokens > device.info().max_workgroup_count[1])
        return unsupported(std::string(who) + ": " + std::to_string(n_tokens) +
                           " tokens exceed the device's workgroup count limit of " +
                           std::to_string(device.info().max_workgroup_count[1]));
    return Status::ok();
}

// The recurrent state of one layer is bound as a window of its buffer (the buffer holds every layer's
// state and may exceed the binding limit): bind_offset aligned down, first_float the state's offset in it.
struct StateWindow {
    uint64_t bind_offset = 0, bind_size = 0;
    uint32_t first_float = 0;
};

StatusOr<StateWindow> state_window(const vulkan::Device &device, const vulkan::Buffer *in, const vulkan::Buffer *out,
                                   uint32_t state_offset, uint64_t n_floats, const char *who) {
    if (in == nullptr || out == nullptr) return invalid_arg(std::string(who) + ": state_in and state_out are required");
    const uint64_t end_byte = ((uint64_t)state_offset + n_floats) * 4;
    for (const vulkan::Buffer *b : {in, out})
        if (end_byte > b->size_bytes())
            return invalid_arg(std::string(who) + ": the state ends at byte " + std::to_string(end_byte) +
                               ", past the " + std::to_string(b->size_bytes()) + " bytes of " + b->name());
    StateWindow w;
    w.bind_offset = (uint64_t)state_offset * 4 / device.binding_alignment() * device.binding_alignment();
    w.bind_size = end_byte - w.bind_offset;
    w.first_float = (uint32_t)(((uint64_t)state_offset * 4 - w.bind_offset) / 4);
    return w;
}

// The element-wise kernels (split_q_gate, sigmoid_mul, swiglu, gated_add): one workgroup row per token,
// columns of the device's element-wise workgroup size across width values.
template <typename Push>
Status record_elementwise(GpuRecorder &rec, const char *variant, const std::vector<vulkan::BufferBinding> &bindings,
                          const Push &pc, uint32_t n_tokens, uint32_t width) {
    MOEVK_RETURN_IF_ERROR(check_token_grid(rec.kernels.device(), n_tokens, variant));
    vulkan::PipelineDesc desc;
    desc.variant = variant;
    desc.n_buffers = (uint32_t)bindings.size();
    desc.push_constant_bytes = sizeof(Push);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    return rec.stream.dispatch(*pipe, bindings, &pc, sizeof pc, {div_up(width, desc.workgroup_size), n_tokens, 1});
}

}  // namespace

Status record_ssm_conv(GpuRecorder &rec, const SsmConvOp &op) {
    constexpr const char *who = "ssm_conv";
    if (op.n_tokens == 0) return Status::ok();
    if (op.channels == 0 || op.d_conv == 0)
        return invalid_arg("ssm_conv: channels (" + std::to_string(op.channels) + ") and d_conv (" +
                           std::to_string(op.d_conv) + ") must be at least 1");
    MOEVK_RETURN_IF_ERROR(check_rows(op.x, op.n_tokens, op.channels, who, "x"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.out, op.n_tokens, op.channels, who, "out"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.out, op.channels, op.x, op.channels, op.n_tokens, who, "out and x"));
    MOEVK_RETURN_IF_ERROR(check_weight(op.weight, (uint64_t)op.channels * op.d_conv, who, "weight"));
    // d_conv 1 keeps no state: the state bindings then point at x, never read or written
    const bool has_state = op.d_conv > 1;
    const vulkan::Buffer *state_in = has_state ? op.state_in : op.x.buffer;
    const vulkan::Buffer *state_out = has_state ? op.state_out : op.x.buffer;
    StateWindow win;
    if (has_state) {
        MOEVK_ASSIGN_OR_RETURN(win, state_window(rec.kernels.device(), op.state_in, op.state_out, op.state_offset,
                                                 (uint64_t)op.channels * (op.d_conv - 1), who));
    }
    vulkan::PipelineDesc desc;
    desc.variant = "ssm_conv";
    desc.n_buffers = 5;
    desc.push_constant_bytes = sizeof(SsmConvPush);
    desc.workgroup_size = rec.kernels.elementwise_workgroup();
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    SsmConvPush pc{op.n_tokens, op.channels, op.d_conv,    op.x.offset,
                   op.x.stride, op.out.offset, op.out.stride, win.first_float};
    return rec.stream.dispatch(*pipe,
                               {{op.x.buffer, 0, 0, Access::kRead},
                                {op.weight, 0, 0, Access::kRead},
                                {state_in, win.bind_offset, win.bind_size, Access::kRead},
                                {state_out, win.bind_offset, win.bind_size, has_state ? Access::kWrite : Access::kRead},
                                {op.out.buffer, 0, 0, Access::kWrite}},
                               &pc, sizeof pc, {div_up(op.channels, desc.workgroup_size), 1, 1});
}

namespace {

Status check_gated_delta_heads(const GatedDeltaOp &op) {
    if (op.n_k_heads == 0 || op.n_v_heads == 0 || op.head_dim == 0 || op.n_v_heads % op.n_k_heads != 0)
        return invalid_arg("gated_delta: " + std::to_string(op.n_v_heads) + " value heads, " +
                           std::to_string(op.n_k_heads) + " key heads of " + std::to_string(op.head_dim) +
                           ": heads and head_dim must be at least 1, value heads a multiple of key heads");
    if (op.ba_group == 0 || op.n_v_heads % op.ba_group != 0)
        return invalid_arg("gated_delta: ba_group " + std::to_string(op.ba_group) + " must divide the " +
                           std::to_string(op.n_v_heads) + " value heads");
    return Status::ok();
}

uint32_t workgroup_limit(const vulkan::Device &device) {
    return std::min(device.info().max_workgroup_size[0], device.info().max_workgroup_invocations);
}

Status check_gated_delta_step_limits(const vulkan::Device &device, const GatedDeltaOp &op) {
    const uint32_t wg_limit = workgroup_limit(device);
    if (op.head_dim > kMaxGatedDeltaHeadDim || op.head_dim > wg_limit || op.head_dim % 4 != 0)
        return unsupported("gated_delta: head_dim " + std::to_string(op.head_dim) + " is not a multiple of 4 up to " +
                           std::to_string(std::min(kMaxGatedDeltaHeadDim, wg_limit)) + " (this kernel on this device)");
    if (op.n_v_heads > device.info().max_workgroup_count[0])
        return unsupported("gated_delta: " + std::to_string(op.n_v_heads) + " value heads exceed the device's "
                           "workgroup count limit");
    return Status::ok();
}

// Shared memory of gated_delta_chunked.comp: q and k tiles, the state slice, L and M, (Q S0) and delta, six
// per-token arrays.
uint64_t chunked_shared_bytes(uint32_t head_dim, uint32_t block_v) {
    const uint64_t c = kGatedDeltaChunk, d = head_dim, bv = block_v;
    return 4 * (2 * c * d + d * bv + 2 * c * c + 2 * c * bv + 6 * c);
}

// Value columns per workgroup of gated_delta_chunked on this device; 0 when no block fits its shared memory.
uint32_t chunked_block_v(const vulkan::Device &device, uint32_t head_dim) {
    for (uint32_t bv : kGatedDeltaChunkBlocksV)
        if (chunked_shared_bytes(head_dim, bv) <= device.info().max_compute_shared_memory_bytes) return bv;
    return 0;
}

Status check_gated_delta_chunked_limits(const vulkan::Device &device, const GatedDeltaOp &op) {
    const uint32_t wg_limit = workgroup_limit(device);
    if (op.head_dim > kMaxGatedDeltaChunkedHeadDim || op.head_dim % 4 != 0 || op.head_dim > wg_limit)
        return unsupported("gated_delta_chunked: head_dim " + std::to_string(op.head_dim) +
                           " is not a multiple of 4 up to " +
                           std::to_string(std::min(kMaxGatedDeltaChunkedHeadDim, wg_limit)) +
                           " (q/k tiles and the state slice live in shared memory)");
    if (kGatedDeltaChunkWorkgroup > wg_limit || chunked_block_v(device, op.head_dim) == 0)
        return unsupported("gated_delta_chunked: needs workgroups of " + std::to_string(kGatedDeltaChunkWorkgroup) +
                           " and " + std::to_string(chunked_shared_bytes(op.head_dim, 16)) +
                           " bytes of shared memory, more than this device has");
    if (op.n_v_heads > device.info().max_workgroup_count[0] || op.n_tokens > device.info().max_workgroup_count[1])
        return unsupported("gated_delta_chunked: " + std::to_string(op.n_v_heads) + " value heads or " +
                           std::to_string(op.n_tokens) + " tokens exceed the device's workgroup count limits");
    if (same_rows(op.out, op.z))
        return unsupported("gated_delta_chunked: out must not be z's rows (the norm pass reads z after the "
                           "recurrence wrote out)");
    return Status::ok();
}

// Rows, weights and state of the op (both paths read and write the same memory); the state's window.
StatusOr<StateWindow> check_gated_delta_buffers(const vulkan::Device &device, const GatedDeltaOp &op) {
    constexpr const char *who = "gated_delta";
    const uint64_t key_dim = (uint64_t)op.n_k_heads * op.head_dim, value_dim = (uint64_t)op.n_v_heads * op.head_dim;
    const uint64_t conv_width = 2 * key_dim + value_dim;
    MOEVK_RETURN_IF_ERROR(check_rows(op.conv, op.n_tokens, conv_width, who, "conv"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.ba, op.n_tokens, 2 * (uint64_t)op.n_v_heads, who, "ba"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.z, op.n_tokens, value_dim, who, "z"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.out, op.n_tokens, value_dim, who, "out"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.out, value_dim, op.conv, conv_width, op.n_tokens, who, "out and conv"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.out, value_dim, op.ba, 2 * (uint64_t)op.n_v_heads, op.n_tokens, who,
                                         "out and ba"));
    MOEVK_RETURN_IF_ERROR(check_in_place_or_disjoint(op.out, op.z, value_dim, op.n_tokens, who, "out and z"));
    MOEVK_RETURN_IF_ERROR(check_weight(op.dt_bias, op.n_v_heads, who, "dt_bias"));
    MOEVK_RETURN_IF_ERROR(check_weight(op.ssm_a, op.n_v_heads, who, "ssm_a"));
    MOEVK_RETURN_IF_ERROR(check_weight(op.norm_weight, op.head_dim, who, "norm_weight"));
    return state_window(device, op.state_in, op.state_out, op.state_offset, value_dim * op.head_dim, who);
}

Status dispatch_gated_delta_step(GpuRecorder &rec, const GatedDeltaOp &op, const StateWindow &win) {
    vulkan::PipelineDesc desc;
    desc.variant = "gated_delta";
    desc.n_buffers = 9;
    desc.push_constant_bytes = sizeof(GatedDeltaPush);
    desc.workgroup_size = op.head_dim;  // one invocation per value column of a head
    desc.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    GatedDeltaPush pc{op.n_tokens,    op.n_k_heads,     op.n_v_heads,  op.ba_group,  op.k_head_interleaved ? 1u : 0u,
                      op.conv.offset, op.conv.stride,   op.ba.offset,  op.ba.stride, op.z.offset,
                      op.z.stride,    op.out.offset,    op.out.stride, win.first_float, op.eps};
    const bool out_is_z = same_rows(op.out, op.z);
    return rec.stream.dispatch(*pipe,
                               {{op.conv.buffer, 0, 0, Access::kRead},
                                {op.ba.buffer, 0, 0, Access::kRead},
                                {op.z.buffer, 0, 0, Access::kRead},
                                {op.dt_bias, 0, 0, Access::kRead},
                                {op.ssm_a, 0, 0, Access::kRead},
                                {op.norm_weight, 0, 0, Access::kRead},
                                {op.state_in, win.bind_offset, win.bind_size, Access::kRead},
                                {op.state_out, win.bind_offset, win.bind_size, Access::kWrite},
                                {op.out.buffer, 0, 0, out_is_z ? Access::kReadWrite : Access::kWrite}},
                               &pc, sizeof pc, {op.n_v_heads, 1, 1});  // one workgroup per value head
}

// The chunked recurrence (outputs before the norm), then the gated RMSNorm over each head's row in place.
Status dispatch_gated_delta_chunked(GpuRecorder &rec, const GatedDeltaOp &op, const StateWindow &win) {
    vulkan::PipelineDesc desc;
    desc.variant = "gated_delta_chunked";
    desc.n_buffers = 7;
    desc.push_constant_bytes = sizeof(GatedDeltaChunkedPush);
    desc.workgroup_size = kGatedDeltaChunkWorkgroup;
    const uint32_t block_v = chunked_block_v(rec.kernels.device(), op.head_dim);
    desc.spec_constants = {{2, op.head_dim}, {3, kGatedDeltaChunk}, {4, block_v}};
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *pipe, rec.kernels.get(desc));
    GatedDeltaChunkedPush pc{op.n_tokens,     op.n_k_heads,   op.n_v_heads,    op.ba_group,
                             op.k_head_interleaved ? 1u : 0u, op.conv.offset, op.conv.stride,
                             op.ba.offset,    op.ba.stride,   op.out.offset,   op.out.stride,
                             win.first_float, op.eps};
    MOEVK_RETURN_IF_ERROR(rec.stream.dispatch(*pipe,
                                              {{op.conv.buffer, 0, 0, Access::kRead},
                                               {op.ba.buffer, 0, 0, Access::kRead},
                                               {op.dt_bias, 0, 0, Access::kRead},
                                               {op.ssm_a, 0, 0, Access::kRead},
                                               {op.state_in, win.bind_offset, win.bind_size, Access::kRead},
                                               {op.state_out, win.bind_offset, win.bind_size, Access::kWrite},
                                               {op.out.buffer, 0, 0, Access::kWrite}},
                                              &pc, sizeof pc,
                                              {op.n_v_heads, div_up(op.head_dim, block_v), 1}));

    vulkan::PipelineDesc norm;
    norm.variant = "gated_delta_norm";
    norm.n_buffers = 3;
    norm.push_constant_bytes = sizeof(GatedDeltaNormPush);
    norm.workgroup_size = op.head_dim;  // one invocation per value column of a head
    norm.required_features = vulkan::kFeatureSubgroupArithmetic;
    MOEVK_ASSIGN_OR_RETURN(const vulkan::Pipeline *norm_pipe, rec.kernels.get(norm));
    GatedDeltaNormPush npc{op.z.offset, op.z.stride, op.out.offset, op.out.stride, op.eps};
    return rec.stream.dispatch(*norm_pipe,
                               {{op.z.buffer, 0, 0, Access::kRead},
                                {op.norm_weight, 0, 0, Access::kRead},
                                {op.out.buffer, 0, 0, Access::kReadWrite}},
                               &npc, sizeof npc, {op.n_v_heads, op.n_tokens, 1});
}

}  // namespace

Status record_gated_delta(GpuRecorder &rec, const GatedDeltaOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    MOEVK_RETURN_IF_ERROR(check_gated_delta_heads(op));
    const vulkan::Device &device = rec.kernels.device();
    const bool chunked =
        op.n_tokens >= kGatedDeltaChunkedMinTokens && check_gated_delta_chunked_limits(device, op).is_ok();
    if (!chunked) MOEVK_RETURN_IF_ERROR(check_gated_delta_step_limits(device, op));
    MOEVK_ASSIGN_OR_RETURN(StateWindow win, check_gated_delta_buffers(device, op));
    return chunked ? dispatch_gated_delta_chunked(rec, op, win) : dispatch_gated_delta_step(rec, op, win);
}

Status record_gated_delta_chunked(GpuRecorder &rec, const GatedDeltaOp &op) {
    if (op.n_tokens == 0) return Status::ok();
    MOEVK_RETURN_IF_ERROR(check_gated_delta_heads(op));
    MOEVK_RETURN_IF_ERROR(check_gated_delta_chunked_limits(rec.kernels.device(), op));
    MOEVK_ASSIGN_OR_RETURN(StateWindow win, check_gated_delta_buffers(rec.kernels.device(), op));
    return dispatch_gated_delta_chunked(rec, op, win);
}

Status record_split_q_gate(GpuRecorder &rec, const SplitQGateOp &op) {
    constexpr const char *who = "split_q_gate";
    if (op.n_tokens == 0) return Status::ok();
    if (op.n_head == 0 || op.head_dim == 0) return invalid_arg("split_q_gate: n_head and head_dim must be at least 1");
    const uint64_t width = (uint64_t)op.n_head * op.head_dim;
    MOEVK_RETURN_IF_ERROR(check_rows(op.qg, op.n_tokens, 2 * width, who, "qg"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.q, op.n_tokens, width, who, "q"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.gate, op.n_tokens, width, who, "gate"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.q, width, op.qg, 2 * width, op.n_tokens, who, "q and qg"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.gate, width, op.qg, 2 * width, op.n_tokens, who, "gate and qg"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.q, width, op.gate, width, op.n_tokens, who, "q and gate"));
    SplitQGatePush pc{op.n_tokens,  op.n_head,   op.head_dim,      op.qg.offset,     op.qg.stride,
                      op.q.offset,  op.q.stride, op.gate.offset,   op.gate.stride};
    return record_elementwise(rec, who,
                              {{op.qg.buffer, 0, 0, Access::kRead},
                               {op.q.buffer, 0, 0, Access::kWrite},
                               {op.gate.buffer, 0, 0, Access::kWrite}},
                              pc, op.n_tokens, (uint32_t)width);
}

Status record_sigmoid_mul(GpuRecorder &rec, const SigmoidMulOp &op) {
    constexpr const char *who = "sigmoid_mul";
    if (op.n_tokens == 0 || op.width == 0) return Status::ok();
    MOEVK_RETURN_IF_ERROR(check_rows(op.x, op.n_tokens, op.width, who, "x"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.gate, op.n_tokens, op.width, who, "gate"));
    MOEVK_RETURN_IF_ERROR(check_in_place_or_disjoint(op.x, op.gate, op.width, op.n_tokens, who, "x and gate"));
    SigmoidMulPush pc{op.n_tokens, op.width, op.x.offset, op.x.stride, op.gate.offset, op.gate.stride};
    return record_elementwise(rec, who,
                              {{op.gate.buffer, 0, 0, Access::kRead}, {op.x.buffer, 0, 0, Access::kReadWrite}}, pc,
                              op.n_tokens, op.width);
}

Status record_swiglu(GpuRecorder &rec, const SwigluOp &op) {
    constexpr const char *who = "swiglu";
    if (op.n_tokens == 0 || op.width == 0) return Status::ok();
    MOEVK_RETURN_IF_ERROR(check_rows(op.gate, op.n_tokens, op.width, who, "gate"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.up, op.n_tokens, op.width, who, "up"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.out, op.n_tokens, op.width, who, "out"));
    MOEVK_RETURN_IF_ERROR(check_in_place_or_disjoint(op.out, op.gate, op.width, op.n_tokens, who, "out and gate"));
    MOEVK_RETURN_IF_ERROR(check_in_place_or_disjoint(op.out, op.up, op.width, op.n_tokens, who, "out and up"));
    SwigluPush pc{op.n_tokens, op.width,     op.gate.offset, op.gate.stride,
                  op.up.offset, op.up.stride, op.out.offset,  op.out.stride};
    const bool in_place = same_rows(op.out, op.gate) || same_rows(op.out, op.up);
    return record_elementwise(rec, who,
                              {{op.gate.buffer, 0, 0, Access::kRead},
                               {op.up.buffer, 0, 0, Access::kRead},
                               {op.out.buffer, 0, 0, in_place ? Access::kReadWrite : Access::kWrite}},
                              pc, op.n_tokens, op.width);
}

Status record_gated_add(GpuRecorder &rec, const GatedAddOp &op) {
    constexpr const char *who = "gated_add";
    if (op.n_tokens == 0 || op.width == 0) return Status::ok();
    MOEVK_RETURN_IF_ERROR(check_rows(op.x, op.n_tokens, op.width, who, "x"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.y, op.n_tokens, op.width, who, "y"));
    MOEVK_RETURN_IF_ERROR(check_rows(op.logit, op.n_tokens, 1, who, "logit"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.x, op.width, op.y, op.width, op.n_tokens, who, "x and y"));
    MOEVK_RETURN_IF_ERROR(check_disjoint(op.x, op.width, op.logit, 1, op.n_tokens, who, "x and logit"));
    GatedAddPush pc{op.n_tokens,  op.width,       op.x.offset,      op.x.stride,
                    op.y.offset,  op.y.stride,    op.logit.offset,  op.logit.stride};
    return record_elementwise(rec, who,
                              {{op.y.buffer, 0, 0, Access::kRead},
                               {op.logit.buffer, 0, 0, Access::kRead},
                               {op.x.buffer, 0, 0, Access::kReadWrite}},
                              pc, op.n_tokens, op.width);
}

}  // namespace moevk::session
