// hybrid_ops_test.cpp — the hybrid models' small kernels against the CPU reference: ssm_conv (conv1d + SiLU
// with its state carried across calls) and the element-wise split_q_gate, sigmoid_mul, swiglu, gated_add.
// Element-wise tier throughout: ssm_conv sums at most d_conv (4) float32 products of O(1) values, an error
// of a few 1e-7 absolute at worst, under the tier's 1e-6. Bad arguments must come back as errors.
#include <algorithm>

#include <gtest/gtest.h>

#include "oracle/oracle_util.h"
#include "reference/ops.h"
#include "session/gpu_ops_hybrid.h"

namespace moevk::test {
namespace {

using session::GpuActivations;

// Records with the shared stream and returns record's status (submitting whatever was recorded).
Status record_status(const std::function<Status(session::GpuRecorder &)> &record) {
    GpuEnv &env = gpu_env();
    session::GpuRecorder rec{test_kernels(), *env.stream};
    Status s = env.stream->begin();
    if (!s.is_ok()) return s;
    const Status recorded = record(rec);
    s = env.stream->submit_and_wait();
    EXPECT_TRUE(s.is_ok()) << s.message();
    return recorded;
}

// ---- ssm_conv ----

// Inputs of one conv layer: x rows at x_offset with stride, the state at state_offset of its buffer.
struct ConvCase {
    uint32_t channels, d_conv, n_tokens;
    uint32_t x_offset = 3, x_extra = 5;  // rows not packed: stride = channels + x_extra
    uint32_t state_offset = 7;           // not a multiple of the binding alignment: the window path
};

struct ConvData {
    std::vector<float> x, w, state;  // state: the whole buffer, the layer's state at state_offset
    uint32_t stride;
};

ConvData make_conv_data(const ConvCase &c, uint32_t seed) {
    ConvData d;
    d.stride = c.channels + c.x_extra;
    d.x = random_floats(c.x_offset + (size_t)c.n_tokens * d.stride, seed, 1.0f);
    d.w = random_floats((size_t)c.channels * c.d_conv, seed + 1, 0.5f);  // 1/sqrt(d_conv) as the generator
    d.state = random_floats(c.state_offset + (size_t)c.channels * (c.d_conv - 1) + 2, seed + 2, 1.0f);
    return d;
}

// Reference: conv1d_silu_step token after token; returns the outputs [t][channels], updates state.
std::vector<float> reference_conv(const ConvCase &c, const ConvData &d, std::vector<float> &state) {
    std::vector<float> out((size_t)c.n_tokens * c.channels);
    for (uint32_t t = 0; t < c.n_tokens; ++t)
        reference::conv1d_silu_step(d.x.data() + c.x_offset + (size_t)t * d.stride, d.w.data(),
                                    state.data() + c.state_offset, out.data() + (size_t)t * c.channels, c.channels,
                                    c.d_conv);
    return out;
}

session::SsmConvOp conv_op(const ConvCase &c, const ConvData &d, const vulkan::Buffer &x, const vulkan::Buffer &w,
                           const vulkan::Buffer &out) {
    session::SsmConvOp op;
    op.x = {&x, c.x_offset, d.stride};
    op.out = {&out, 0, c.channels};
    op.weight = &w;
    op.state_offset = c.state_offset;
    op.n_tokens = c.n_tokens;
    op.channels = c.channels;
    op.d_conv = c.d_conv;
    return op;
}

std::string describe(const ConvCase &c) {
    return "channels" + std::to_string(c.channels) + "_dconv" + std::to_string(c.d_conv) + "_tokens" +
           std::to_string(c.n_tokens);
}
void PrintTo(const ConvCase &c, std::ostream *os) { *os << describe(c); }

class SsmConvShapes : public ::testing::TestWithParam<ConvCase> {};

TEST_P(SsmConvShapes, MatchesReferenceStepByStep) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const ConvCase c = GetParam();
    const std::string what = "ssm_conv " + describe(c);
    ConvData d = make_conv_data(c, 20 + c.channels);
    auto xb = upload_vector(d.x, "x");
    auto wb = upload_vector(d.w, "w");
    auto sb = upload_vector(d.state, "state");
    auto ob = zero_buffer((size_t)c.n_tokens * c.channels * 4, "out");
    session::SsmConvOp op = conv_op(c, d, *xb, *wb, *ob);
    op.state_in = op.state_out = sb.get();
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_ssm_conv(rec, op); });
    std::vector<float> ref_state = d.state;
    const std::vector<float> ref = reference_conv(c, d, ref_state);
    expect_elementwise(download_vector<float>(*ob, ref.size()), ref, what + " out");
    // the state is a copy of inputs: exact; the floats around it untouched
    expect_bit_identical(download_vector<float>(*sb, ref_state.size()), ref_state, what + " state");
}

INSTANTIATE_TEST_SUITE_P(Shapes, SsmConvShapes,
                         ::testing::Values(ConvCase{100, 4, 1}, ConvCase{100, 4, 2}, ConvCase{300, 4, 9},
                                           ConvCase{64, 1, 5}, ConvCase{70, 2, 3}),
                         [](const ::testing::TestParamInfo<ConvCase> &info) { return describe(info.param); });

// The tokens in calls of 1, 3 and n - 4, ping-pong and in place, give the bits of one call.
class SsmConvSplits : public ::testing::TestWithParam<uint32_t> {};  // d_conv

TEST_P(SsmConvSplits, SplitCallsAndPingPongBitIdentical) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t d_conv = GetParam();
    ConvCase c{96, d_conv, 12};
    ConvData d = make_conv_data(c, 40 + d_conv);
    auto xb = upload_vector(d.x, "x");
    auto wb = upload_vector(d.w, "w");
    auto whole_state = upload_vector(d.state, "whole state");
    auto whole_out = zero_buffer((size_t)c.n_tokens * c.channels * 4, "whole out");
    session::SsmConvOp whole = conv_op(c, d, *xb, *wb, *whole_out);
    whole.state_in = whole.state_out = whole_state.get();
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_ssm_conv(rec, whole); });
    const std::vector<float> want_out = download_vector<float>(*whole_out, (size_t)c.n_tokens * c.channels);
    const std::vector<float> want_state = download_vector<float>(*whole_state, d.state.size());

    for (bool ping_pong : {false, true}) {
        const std::string what = "ssm_conv d_conv " + std::to_string(d_conv) + (ping_pong ? " ping-pong" : " in place");
        auto state_a = upload_vector(d.state, "state a");
        auto state_b = upload_vector(d.state, "state b");
        auto out = zero_buffer((size_t)c.n_tokens * c.channels * 4, "split out");
        const uint32_t sizes[] = {1, 3, c.n_tokens - 4};
        const vulkan::Buffer *last_state = state_a.get();
        run_on_gpu([&](session::GpuRecorder &rec) {
            uint32_t first = 0;
            for (uint32_t n : sizes) {
                session::SsmConvOp op = conv_op(c, d, *xb, *wb, *out);
                op.x.offset = c.x_offset + first * d.stride;
                op.out.offset = first * c.channels;
                op.n_tokens = n;
                op.state_in = last_state;
                op.state_out = ping_pong ? (last_state == state_a.get() ? state_b.get() : state_a.get()) : last_state;
                MOEVK_RETURN_IF_ERROR(session::record_ssm_conv(rec, op));
                last_state = op.state_out;
                first += n;
            }
            return Status::ok();
        });
        expect_bit_identical(download_vector<float>(*out, want_out.size()), want_out, what + " out");
        expect_bit_identical(download_vector<float>(*last_state, want_state.size()), want_state, what + " state");
    }
}

INSTANTIATE_TEST_SUITE_P(DConv, SsmConvSplits, ::testing::Values(4u, 1u),
                         [](const ::testing::TestParamInfo<uint32_t> &info) { return "dconv" + std::to_string(info.param); });

// x and out as interleaved rows of one buffer ([x | out] per token) are accepted; shifted one float, refused.
TEST(SsmConv, InterleavedRowsOfOneBuffer) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    ConvCase c{80, 4, 6};
    c.x_offset = 0;
    c.x_extra = c.channels;  // stride 2 * channels: out in the second half of each row
    ConvData d = make_conv_data(c, 50);
    auto rows = upload_vector(d.x, "rows");
    auto wb = upload_vector(d.w, "w");
    auto sb = upload_vector(d.state, "state");
    session::SsmConvOp op = conv_op(c, d, *rows, *wb, *rows);
    op.out = {rows.get(), c.channels, d.stride};
    op.state_in = op.state_out = sb.get();
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_ssm_conv(rec, op); });
    std::vector<float> ref_state = d.state;
    const std::vector<float> ref = reference_conv(c, d, ref_state);
    const std::vector<float> got = download_vector<float>(*rows, d.x.size());
    std::vector<float> got_out(ref.size());
    for (uint32_t t = 0; t < c.n_tokens; ++t)
        std::copy_n(got.begin() + (size_t)t * d.stride + c.channels, c.channels, got_out.begin() + (size_t)t * c.channels);
    expect_elementwise(got_out, ref, "ssm_conv interleaved out");

    op.out.offset = c.channels - 1;  // the first output of a row would be the last input of the row
    EXPECT_EQ(record_status([&](session::GpuRecorder &rec) { return session::record_ssm_conv(rec, op); }).code(),
              StatusCode::kInvalidArg);
    op.out.offset = 2 * c.channels - 1;  // wraps onto the next row's first input
    EXPECT_EQ(record_status([&](session::GpuRecorder &rec) { return session::record_ssm_conv(rec, op); }).code(),
              StatusCode::kInvalidArg);
}

TEST(SsmConv, BadArgumentsRefused) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    ConvCase c{32, 4, 4};
    ConvData d = make_conv_data(c, 60);
    auto xb = upload_vector(d.x, "x");
    auto wb = upload_vector(d.w, "w");
    auto sb = upload_vector(d.state, "state");
    auto ob = zero_buffer((size_t)c.n_tokens * c.channels * 4, "out");
    const auto base = [&] {
        session::SsmConvOp op = conv_op(c, d, *xb, *wb, *ob);
        op.state_in = op.state_out = sb.get();
        return op;
    };
    const auto code = [&](const session::SsmConvOp &op) {
        return record_status([&](session::GpuRecorder &rec) { return session::record_ssm_conv(rec, op); }).code();
    };
    EXPECT_EQ(code(base()), StatusCode::kOk);
    session::SsmConvOp op = base();
    op.d_conv = 0;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "d_conv 0";
    op = base();
    op.x.buffer = nullptr;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "no x";
    op = base();
    op.state_out = nullptr;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "no state_out";
    op = base();
    op.n_tokens = 100;  // rows past the end of x
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "x too short";
    op = base();
    op.state_offset = (uint32_t)d.state.size();
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "state past its buffer";
    op = base();
    op.out = op.x;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "out aliases x";
    op = base();
    op.out.stride = c.channels - 1;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "out rows overlap";
    auto short_w = zero_buffer(c.channels * 4, "short w");  // one tap per channel, d_conv wants 4
    op = base();
    op.weight = short_w.get();
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "weight too short";
}

// ---- element-wise ops ----

TEST(SplitQGate, CopiesQueriesAndGates) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t n_tokens = 5, n_head = 3, head_dim = 40, width = n_head * head_dim;
    const uint32_t qg_stride = 2 * width + 3, q_stride = 3 * width;  // q: the Q part of a fused q|k|v row
    std::vector<float> qg = random_floats((size_t)n_tokens * qg_stride, 70, 2.0f);
    auto qgb = upload_vector(qg, "qg");
    auto qb = zero_buffer((size_t)n_tokens * q_stride * 4, "q");
    auto gb = zero_buffer((size_t)n_tokens * width * 4 + 4, "gate");
    session::SplitQGateOp op;
    op.qg = {qgb.get(), 0, qg_stride};
    op.q = {qb.get(), 0, q_stride};
    op.gate = {gb.get(), 1, width};
    op.n_tokens = n_tokens;
    op.n_head = n_head;
    op.head_dim = head_dim;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_split_q_gate(rec, op); });
    std::vector<float> ref_q((size_t)n_tokens * q_stride, 0.0f), ref_gate((size_t)n_tokens * width + 1, 0.0f);
    for (uint32_t t = 0; t < n_tokens; ++t)
        for (uint32_t h = 0; h < n_head; ++h)
            for (uint32_t i = 0; i < head_dim; ++i) {
                ref_q[(size_t)t * q_stride + h * head_dim + i] = qg[(size_t)t * qg_stride + h * 2 * head_dim + i];
                ref_gate[1 + (size_t)t * width + h * head_dim + i] =
                    qg[(size_t)t * qg_stride + h * 2 * head_dim + head_dim + i];
            }
    expect_elementwise(download_vector<float>(*qb, ref_q.size()), ref_q, "split_q_gate q");
    expect_elementwise(download_vector<float>(*gb, ref_gate.size()), ref_gate, "split_q_gate gate");

    op.q = {qgb.get(), 0, qg_stride};
    EXPECT_EQ(record_status([&](session::GpuRecorder &rec) { return session::record_split_q_gate(rec, op); }).code(),
              StatusCode::kInvalidArg)
        << "q overlapping qg";
}

TEST(SigmoidMul, MatchesSigmoidGate) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t n_tokens = 4, width = 200, stride = 230;
    std::vector<float> x = random_floats((size_t)n_tokens * stride, 80, 1.0f);
    std::vector<float> gate = random_floats((size_t)n_tokens * width, 81, 3.0f);
    auto xb = upload_vector(x, "x");
    auto gb = upload_vector(gate, "gate");
    session::SigmoidMulOp op;
    op.x = {xb.get(), 0, stride};
    op.gate = {gb.get(), 0, width};
    op.n_tokens = n_tokens;
    op.width = width;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_sigmoid_mul(rec, op); });
    std::vector<float> ref = x;
    for (uint32_t t = 0; t < n_tokens; ++t)
        reference::sigmoid_gate(ref.data() + (size_t)t * stride, gate.data() + (size_t)t * width, width);
    expect_elementwise(download_vector<float>(*xb, ref.size()), ref, "sigmoid_mul");

    op.gate = {xb.get(), 1, stride};
    EXPECT_EQ(record_status([&](session::GpuRecorder &rec) { return session::record_sigmoid_mul(rec, op); }).code(),
              StatusCode::kInvalidArg)
        << "gate overlapping x";
}

class Swiglu : public ::testing::TestWithParam<bool> {};  // in place (out = gate)

TEST_P(Swiglu, MatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t n_tokens = 3, width = 150;
    std::vector<float> gate = random_floats((size_t)n_tokens * width, 90, 2.0f);
    std::vector<float> up = random_floats((size_t)n_tokens * width, 91, 1.0f);
    std::vector<float> ref(gate.size());
    reference::swiglu(gate.data(), up.data(), ref.data(), gate.size());
    const bool in_place = GetParam();
    auto gb = upload_vector(gate, "gate");
    auto ub = upload_vector(up, "up");
    auto ob = zero_buffer(gate.size() * 4, "out");
    session::SwigluOp op;
    op.gate = {gb.get(), 0, width};
    op.up = {ub.get(), 0, width};
    op.out = in_place ? op.gate : GpuActivations{ob.get(), 0, width};
    op.n_tokens = n_tokens;
    op.width = width;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_swiglu(rec, op); });
    expect_elementwise(download_vector<float>(*op.out.buffer, ref.size()), ref,
                       in_place ? "swiglu in place" : "swiglu");
}

INSTANTIATE_TEST_SUITE_P(OutBuffer, Swiglu, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool> &info) { return std::string(info.param ? "in_place" : "separate"); });

TEST(GatedAdd, AddsSigmoidGatedRows) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t n_tokens = 6, width = 130, logit_stride = 4;
    std::vector<float> x = random_floats((size_t)n_tokens * width, 100, 1.0f);
    std::vector<float> y = random_floats((size_t)n_tokens * width, 101, 1.0f);
    std::vector<float> logit = random_floats(2 + (size_t)n_tokens * logit_stride, 102, 3.0f);
    auto xb = upload_vector(x, "x");
    auto yb = upload_vector(y, "y");
    auto lb = upload_vector(logit, "logit");
    session::GatedAddOp op;
    op.x = {xb.get(), 0, width};
    op.y = {yb.get(), 0, width};
    op.logit = {lb.get(), 2, logit_stride};
    op.n_tokens = n_tokens;
    op.width = width;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_gated_add(rec, op); });
    std::vector<float> ref = x;
    for (uint32_t t = 0; t < n_tokens; ++t) {
        // as reference::Forward::shared_expert: sigmoid of the one gate logit, in float64
        const double w = reference::sigmoid(logit[2 + (size_t)t * logit_stride]);
        for (uint32_t i = 0; i < width; ++i) {
            const size_t k = (size_t)t * width + i;
            ref[k] = (float)((double)x[k] + w * (double)y[k]);
        }
    }
    expect_elementwise(download_vector<float>(*xb, ref.size()), ref, "gated_add");

    op.logit = {lb.get(), 2, logit_stride};
    op.n_tokens = (uint32_t)logit.size();  // logits and rows past their buffers
    EXPECT_EQ(record_status([&](session::GpuRecorder &rec) { return session::record_gated_add(rec, op); }).code(),
              StatusCode::kInvalidArg)
        << "rows past the buffers";
}

TEST(HybridElementwise, NoTokensRecordsNothing) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    auto b = zero_buffer(64, "b");
    session::SwigluOp sw;
    sw.gate = sw.up = sw.out = {b.get(), 0, 4};
    sw.width = 4;
    session::SsmConvOp conv;  // every pointer null: n_tokens 0 is checked first
    run_on_gpu([&](session::GpuRecorder &rec) {
        MOEVK_RETURN_IF_ERROR(session::record_swiglu(rec, sw));
        return session::record_ssm_conv(rec, conv);
    });
    EXPECT_EQ(env.stream->n_dispatches(), 0u);
}

}  // namespace
}  // namespace moevk::test
