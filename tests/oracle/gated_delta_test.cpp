// gated_delta_test.cpp — the gated_delta kernel (GatedDeltaNet core of one layer over a chunk) against the
// reference ops as forward_hybrid.cpp's delta_net_block calls them, token after token: l2_norm of q and k,
// sigmoid / softplus gates, gated_delta_step, rms_norm_gated. Tier kNmseF32Weights for outputs and state:
// float32 inputs and weights, sums of head_dim products accumulated in float32 on the GPU (float64 in the
// reference) with the state rounded to float32 after each token on both sides; the delta rule contracts, so
// the per-token rounding (~1e-7 relative) does not grow over a chunk. The chunked kernel (prefill, from
// kGatedDeltaChunkedMinTokens tokens on) is held to the same tier against the same step-by-step reference;
// its bits depend on where sub-chunks start, so only calls of the step kernel are split bit-identically, and
// the same calls always give the same bits.
#include <cmath>

#include <gtest/gtest.h>

#include "oracle/oracle_util.h"
#include "reference/ops.h"
#include "session/gpu_ops_hybrid.h"

namespace moevk::test {
namespace {

// One layer's shape and architecture: qwen3next (grouped key heads, fused ba) or qwen35moe (interleaved key
// heads, beta row then alpha row).
struct DeltaCase {
    uint32_t n_k_heads, n_v_heads, head_dim, n_tokens;
    bool qwen35moe;
    uint32_t ba_group() const { return qwen35moe ? n_v_heads : n_v_heads / n_k_heads; }
    uint32_t key_dim() const { return n_k_heads * head_dim; }
    uint32_t value_dim() const { return n_v_heads * head_dim; }
    uint32_t conv_width() const { return 2 * key_dim() + value_dim(); }
    uint32_t k_head_of(uint32_t vh) const { return qwen35moe ? vh % n_k_heads : vh / (n_v_heads / n_k_heads); }
    std::string name() const {
        return std::string(qwen35moe ? "qwen35moe" : "qwen3next") + " k" + std::to_string(n_k_heads) + " v" +
               std::to_string(n_v_heads) + " d" + std::to_string(head_dim) + " t" + std::to_string(n_tokens);
    }
};

constexpr float kEps = 1e-6f;
constexpr uint32_t kStateOffset = 5;  // the layer's state not at an aligned offset: the window path

// Inputs in the ranges of a real layer: conv outputs after SiLU, gate logits ~N(0,1), ssm_a in [-1, -0.1],
// dt_bias and norm weights 1 +- 0.1, a state left by earlier tokens.
struct DeltaData {
    std::vector<float> conv, ba, z, dt_bias, ssm_a, norm_weight;
    std::vector<float> state;  // the whole state buffer, the layer's state at kStateOffset
};

std::vector<float> uniform_floats(size_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float &x : v) x = dist(rng);
    return v;
}

DeltaData make_data(const DeltaCase &c, uint32_t seed) {
    DeltaData d;
    d.conv = random_floats((size_t)c.n_tokens * c.conv_width(), seed, 1.0f);
    for (float &x : d.conv) x = (float)((double)x * reference::sigmoid(x));
    d.ba = random_floats((size_t)c.n_tokens * 2 * c.n_v_heads, seed + 1, 1.0f);
    d.z = random_floats((size_t)c.n_tokens * c.value_dim(), seed + 2, 1.0f);
    d.dt_bias = uniform_floats(c.n_v_heads, seed + 3, 0.9f, 1.1f);
    d.ssm_a = uniform_floats(c.n_v_heads, seed + 4, -1.0f, -0.1f);
    d.norm_weight = uniform_floats(c.head_dim, seed + 5, 0.9f, 1.1f);
    d.state = random_floats(kStateOffset + (size_t)c.n_v_heads * c.head_dim * c.head_dim + 3, seed + 6, 0.1f);
    return d;
}

// Reference: delta_net_block from the conv output on, for every token; updates state, returns [t][value_dim].
std::vector<float> reference_delta(const DeltaCase &c, const DeltaData &d, std::vector<float> &state) {
    const size_t hd = c.head_dim, vd = c.value_dim();
    std::vector<float> out((size_t)c.n_tokens * vd);
    for (uint32_t t = 0; t < c.n_tokens; ++t) {
        std::vector<float> row(d.conv.begin() + (size_t)t * c.conv_width(),
                               d.conv.begin() + (size_t)(t + 1) * c.conv_width());
        float *q = row.data(), *k = row.data() + c.key_dim(), *v = row.data() + 2 * c.key_dim();
        for (uint32_t g = 0; g < c.n_k_heads; ++g) {
            reference::l2_norm(q + g * hd, q + g * hd, hd, kEps);
            reference::l2_norm(k + g * hd, k + g * hd, hd, kEps);
        }
        const float *ba = d.ba.data() + (size_t)t * 2 * c.n_v_heads;
        const double scale = 1.0 / std::sqrt((double)hd);
        for (uint32_t vh = 0; vh < c.n_v_heads; ++vh) {
            const size_t beta_col = (size_t)(vh / c.ba_group()) * 2 * c.ba_group() + vh % c.ba_group();
            const double beta = reference::sigmoid(ba[beta_col]);
            const double g = reference::softplus((double)ba[beta_col + c.ba_group()] + (double)d.dt_bias[vh]) *
                             (double)d.ssm_a[vh];
            const uint32_t kh = c.k_head_of(vh);
            float *o = out.data() + (size_t)t * vd + vh * hd;
            reference::gated_delta_step(state.data() + kStateOffset + vh * hd * hd, q + kh * hd, k + kh * hd,
                                        v + vh * hd, g, beta, scale, hd, hd, o);
            reference::rms_norm_gated(o, d.norm_weight.data(), d.z.data() + (size_t)t * vd + vh * hd, o, hd, kEps);
        }
    }
    return out;
}

// The device buffers of one case.
struct DeltaBuffers {
    std::unique_ptr<vulkan::Buffer> conv, ba, z, dt_bias, ssm_a, norm_weight, out;
};

DeltaBuffers upload(const DeltaData &d, size_t n_out) {
    return {upload_vector(d.conv, "conv"),       upload_vector(d.ba, "ba"),       upload_vector(d.z, "z"),
            upload_vector(d.dt_bias, "dt_bias"), upload_vector(d.ssm_a, "ssm_a"), upload_vector(d.norm_weight, "norm"),
            zero_buffer(n_out * 4, "out")};
}

// The op for tokens [first, first + n) of the case.
session::GatedDeltaOp delta_op(const DeltaCase &c, const DeltaBuffers &b, uint32_t first, uint32_t n) {
    session::GatedDeltaOp op;
    op.conv = {b.conv.get(), first * c.conv_width(), c.conv_width()};
    op.ba = {b.ba.get(), first * 2 * c.n_v_heads, 2 * c.n_v_heads};
    op.z = {b.z.get(), first * c.value_dim(), c.value_dim()};
    op.out = {b.out.get(), first * c.value_dim(), c.value_dim()};
    op.dt_bias = b.dt_bias.get();
    op.ssm_a = b.ssm_a.get();
    op.norm_weight = b.norm_weight.get();
    op.state_offset = kStateOffset;
    op.n_tokens = n;
    op.n_k_heads = c.n_k_heads;
    op.n_v_heads = c.n_v_heads;
    op.head_dim = c.head_dim;
    op.ba_group = c.ba_group();
    op.k_head_interleaved = c.qwen35moe;
    op.eps = kEps;
    return op;
}

using RecordFn = Status (*)(session::GpuRecorder &, const session::GatedDeltaOp &);

// Runs the case in one call (in place) and checks outputs and state against the reference.
void check_against_reference(const DeltaCase &c, uint32_t seed, RecordFn record = session::record_gated_delta) {
    const DeltaData d = make_data(c, seed);
    const DeltaBuffers b = upload(d, (size_t)c.n_tokens * c.value_dim());
    auto state = upload_vector(d.state, "state");
    session::GatedDeltaOp op = delta_op(c, b, 0, c.n_tokens);
    op.state_in = op.state_out = state.get();
    run_on_gpu([&](session::GpuRecorder &rec) { return record(rec, op); });
    std::vector<float> ref_state = d.state;
    const std::vector<float> ref = reference_delta(c, d, ref_state);
    expect_nmse(download_vector<float>(*b.out, ref.size()), ref, kNmseF32Weights, c.name() + " out");
    const std::vector<float> got_state = download_vector<float>(*state, ref_state.size());
    expect_nmse(got_state, ref_state, kNmseF32Weights, c.name() + " state");
    // the floats around the layer's state are untouched
    for (size_t i : {(size_t)0, (size_t)kStateOffset - 1, ref_state.size() - 1})
        EXPECT_EQ(got_state[i], d.state[i]) << c.name() << " float " << i << " outside the state";
}

TEST(GatedDelta, BothLayoutsMatchReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (bool qwen35moe : {false, true}) {
        check_against_reference({2, 4, 32, 5, qwen35moe}, 1);    // two value heads per key head
        check_against_reference({3, 3, 32, 1, qwen35moe}, 2);    // one: decode
        check_against_reference({2, 4, 128, 7, qwen35moe}, 3);   // the real head size
        check_against_reference({1, 2, 48, 16, qwen35moe}, 4);   // head_dim not a power of two
    }
}

TEST(GatedDelta, LongSequenceMatchesStepByStep) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    check_against_reference({2, 4, 128, 64, true}, 5);
    check_against_reference({1, 2, 64, 64, false}, 6);
}

TEST(GatedDelta, LargestHeadDim) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    check_against_reference({1, 1, 256, 3, false}, 7);
}

// A chunk in calls of 1, 3 and n - 4 tokens, ping-pong and in place, gives the bits of one call.
TEST(GatedDelta, SplitCallsAndPingPongBitIdentical) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (bool qwen35moe : {false, true}) {
        const DeltaCase c{2, 4, 64, 12, qwen35moe};
        const DeltaData d = make_data(c, 10 + qwen35moe);
        const size_t n_out = (size_t)c.n_tokens * c.value_dim();
        const DeltaBuffers whole = upload(d, n_out);
        auto whole_state = upload_vector(d.state, "whole state");
        session::GatedDeltaOp op = delta_op(c, whole, 0, c.n_tokens);
        op.state_in = op.state_out = whole_state.get();
        run_on_gpu([&](session::GpuRecorder &rec) { return session::record_gated_delta(rec, op); });
        const std::vector<float> want_out = download_vector<float>(*whole.out, n_out);
        const std::vector<float> want_state = download_vector<float>(*whole_state, d.state.size());

        for (bool ping_pong : {false, true}) {
            const std::string what = c.name() + (ping_pong ? " ping-pong" : " in place");
            const DeltaBuffers split = upload(d, n_out);
            auto state_a = upload_vector(d.state, "state a");
            auto state_b = upload_vector(d.state, "state b");
            const vulkan::Buffer *last_state = state_a.get();
            run_on_gpu([&](session::GpuRecorder &rec) {
                uint32_t first = 0;
                for (uint32_t n : {1u, 3u, c.n_tokens - 4}) {
                    session::GatedDeltaOp part = delta_op(c, split, first, n);
                    part.state_in = last_state;
                    part.state_out = !ping_pong ? last_state
                                     : last_state == state_a.get() ? state_b.get()
                                                                   : state_a.get();
                    MOEVK_RETURN_IF_ERROR(session::record_gated_delta(rec, part));
                    last_state = part.state_out;
                    first += n;
                }
                return Status::ok();
            });
            expect_bit_identical(download_vector<float>(*split.out, n_out), want_out, what + " out");
            expect_bit_identical(download_vector<float>(*last_state, want_state.size()), want_state, what + " state");
        }
    }
}

// out may take z's rows (each value of z is read by the invocation that then writes it).
TEST(GatedDelta, OutOverZ) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (uint32_t n : {4u, session::kGatedDeltaChunkedMinTokens + 3}) {  // long: the step kernel all the same
    const DeltaCase c{2, 4, 32, n, false};
    const DeltaData d = make_data(c, 20);
    const DeltaBuffers b = upload(d, (size_t)c.n_tokens * c.value_dim());
    auto state = upload_vector(d.state, "state");
    session::GatedDeltaOp op = delta_op(c, b, 0, c.n_tokens);
    op.out = op.z;
    op.state_in = op.state_out = state.get();
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_gated_delta(rec, op); });
    std::vector<float> ref_state = d.state;
    const std::vector<float> ref = reference_delta(c, d, ref_state);
    expect_nmse(download_vector<float>(*b.z, ref.size()), ref, kNmseF32Weights, c.name() + " out over z");
    }
}

TEST(GatedDelta, BadArgumentsRefused) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const DeltaCase c{2, 4, 32, 3, false};
    const DeltaData d = make_data(c, 30);
    const DeltaBuffers b = upload(d, (size_t)c.n_tokens * c.value_dim());
    auto state = upload_vector(d.state, "state");
    const auto base = [&] {
        session::GatedDeltaOp op = delta_op(c, b, 0, c.n_tokens);
        op.state_in = op.state_out = state.get();
        return op;
    };
    const auto code = [&](const session::GatedDeltaOp &op) {
        GpuEnv &e = gpu_env();
        session::GpuRecorder rec{test_kernels(), *e.stream};
        EXPECT_TRUE(e.stream->begin().is_ok());
        const Status s = session::record_gated_delta(rec, op);
        EXPECT_TRUE(e.stream->submit_and_wait().is_ok());
        return s.code();
    };
    EXPECT_EQ(code(base()), StatusCode::kOk);
    session::GatedDeltaOp op = base();
    op.head_dim = 512;  // the state buffer would be far too short too: the head size is checked first
    EXPECT_EQ(code(op), StatusCode::kUnsupported) << "head_dim 512";
    op = base();
    op.head_dim = 30;  // the kernel steps four key indices at a time
    EXPECT_EQ(code(op), StatusCode::kUnsupported) << "head_dim 30";
    op = base();
    op.n_v_heads = 3;
    op.ba_group = 3;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "value heads not a multiple of key heads";
    op = base();
    op.ba_group = 0;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "ba_group 0";
    op = base();
    op.ba_group = 3;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "ba_group not dividing the value heads";
    op = base();
    op.state_out = nullptr;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "no state_out";
    op = base();
    op.state_offset = 100;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "state past its buffer";
    op = base();
    op.norm_weight = b.dt_bias.get();  // 4 floats, head_dim 32 needed
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "norm_weight too short";
    op = base();
    op.out = {b.conv.get(), 0, c.value_dim()};
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "out over conv";
    op = base();
    op.n_tokens = 4;
    EXPECT_EQ(code(op), StatusCode::kInvalidArg) << "rows past the buffers";
    op = base();
    op.n_tokens = 0;
    op.conv.buffer = nullptr;
    EXPECT_EQ(code(op), StatusCode::kOk) << "no tokens: nothing to check or record";
}

TEST(GatedDeltaChunked, OneSeveralAndRaggedSubChunksMatchReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    constexpr uint32_t C = session::kGatedDeltaChunk;
    for (bool qwen35moe : {false, true}) {
        const auto chunked = session::record_gated_delta_chunked;
        check_against_reference({2, 4, 32, C, qwen35moe}, 40, chunked);           // one whole sub-chunk
        check_against_reference({2, 4, 32, 3 * C, qwen35moe}, 41, chunked);       // several
        check_against_reference({2, 4, 32, 2 * C + 5, qwen35moe}, 42, chunked);   // ragged tail
        check_against_reference({2, 4, 32, 5, qwen35moe}, 43, chunked);           // below one sub-chunk
        check_against_reference({3, 3, 32, 1, qwen35moe}, 44, chunked);           // one token
        check_against_reference({2, 4, 128, 2 * C + 3, qwen35moe}, 45, chunked);  // the real head size
        check_against_reference({1, 2, 48, C + 7, qwen35moe}, 46, chunked);       // a partial column block
    }
}

// Through record_gated_delta: prompts at and above kGatedDeltaChunkedMinTokens take the chunked kernel, and
// prompts below it the step kernel; both within the tier.
TEST(GatedDeltaChunked, ThresholdBothSidesMatchReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    constexpr uint32_t T = session::kGatedDeltaChunkedMinTokens;
    for (bool qwen35moe : {false, true})
        for (uint32_t n : {T - 1, T, 4 * T + 9}) check_against_reference({2, 4, 64, n, qwen35moe}, 50 + n);
}

// The same calls give the same bits, in place or ping-pong; a prompt split into different calls agrees with
// the reference at the tier (checked per call above), not bit for bit.
TEST(GatedDeltaChunked, SameCallsBitIdentical) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const DeltaCase c{2, 4, 64, 2 * session::kGatedDeltaChunk + 7, true};
    const DeltaData d = make_data(c, 60);
    const size_t n_out = (size_t)c.n_tokens * c.value_dim();
    std::vector<float> want_out, want_state;
    for (bool ping_pong : {false, true}) {
        for (int run = 0; run < 2; ++run) {
            const DeltaBuffers b = upload(d, n_out);
            auto state_a = upload_vector(d.state, "state a");
            auto state_b = upload_vector(d.state, "state b");
            session::GatedDeltaOp op = delta_op(c, b, 0, c.n_tokens);
            op.state_in = state_a.get();
            op.state_out = ping_pong ? state_b.get() : state_a.get();
            run_on_gpu([&](session::GpuRecorder &rec) { return session::record_gated_delta_chunked(rec, op); });
            const std::vector<float> out = download_vector<float>(*b.out, n_out);
            const std::vector<float> state = download_vector<float>(*op.state_out, d.state.size());
            if (want_out.empty()) {
                want_out = out;
                want_state = state;
                continue;
            }
            const std::string what = c.name() + (ping_pong ? " ping-pong" : " in place") + " run " + std::to_string(run);
            expect_bit_identical(out, want_out, what + " out");
            expect_bit_identical(state, want_state, what + " state");
            if (ping_pong) EXPECT_EQ(download_vector<float>(*state_a, d.state.size()), d.state) << "state_in kept";
        }
    }
}

TEST(GatedDeltaChunked, UnsupportedShapesRefused) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const DeltaCase c{1, 1, 256, 20, false};
    const DeltaData d = make_data(c, 70);
    const DeltaBuffers b = upload(d, (size_t)c.n_tokens * c.value_dim());
    auto state = upload_vector(d.state, "state");
    const auto code = [&](const session::GatedDeltaOp &op, RecordFn record) {
        GpuEnv &e = gpu_env();
        session::GpuRecorder rec{test_kernels(), *e.stream};
        EXPECT_TRUE(e.stream->begin().is_ok());
        const Status s = record(rec, op);
        EXPECT_TRUE(e.stream->submit_and_wait().is_ok());
        return s.code();
    };
    session::GatedDeltaOp op = delta_op(c, b, 0, c.n_tokens);
    op.state_in = op.state_out = state.get();
    EXPECT_EQ(code(op, session::record_gated_delta_chunked), StatusCode::kUnsupported) << "head_dim 256";
    EXPECT_EQ(code(op, session::record_gated_delta), StatusCode::kOk) << "head_dim 256: the step kernel";
    op.head_dim = 30;
    EXPECT_EQ(code(op, session::record_gated_delta_chunked), StatusCode::kUnsupported) << "head_dim 30";
    op = delta_op(c, b, 0, c.n_tokens);
    op.state_in = op.state_out = state.get();
    op.head_dim = 32;
    op.n_v_heads = op.n_k_heads = 2;
    op.out = op.z;
    EXPECT_EQ(code(op, session::record_gated_delta_chunked), StatusCode::kUnsupported) << "out over z";
    op.ba_group = 0;
    EXPECT_EQ(code(op, session::record_gated_delta_chunked), StatusCode::kInvalidArg) << "ba_group 0";
}

}  // namespace
}  // namespace moevk::test
