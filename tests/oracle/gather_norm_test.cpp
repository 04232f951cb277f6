// gather_norm_test.cpp — get_rows (embedding gather) for every weight type against exact dequantisation,
// rms_norm (block norm and per-head grouping) against reference::rms_norm, and the fused Q/K norm + RoPE
// against reference::rms_norm + reference::rope_neox, all with the element-wise tier.
#include <gtest/gtest.h>

#include "oracle/oracle_util.h"
#include "reference/ops.h"

namespace moevk::test {
namespace {

using session::GpuActivations;

TEST(GetRows, EveryTypeMatchesDequantisation) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) {
        HostMatrix table = random_matrix(type, 300, 160, 5);
        const std::vector<int32_t> ids = {0, 299, 17, 17, 150, 3, 298};
        auto w = upload_vector(table.bytes, "table");
        auto idb = upload_vector(ids, "ids");
        auto out = zero_buffer(ids.size() * 160 * 4, "out");
        session::GetRowsOp op;
        op.table = {w.get(), 0, type, table.n_rows, table.n_cols, table.row_bytes};
        op.ids = idb.get();
        op.out = {out.get(), 0, 160};
        op.n_tokens = (uint32_t)ids.size();
        run_on_gpu([&](session::GpuRecorder &rec) { return session::record_get_rows(rec, op); });
        std::vector<float> ref(ids.size() * 160);
        for (size_t t = 0; t < ids.size(); ++t)
            model::dequantize_row(type, table.bytes.data() + ids[t] * table.row_bytes, ref.data() + t * 160, 160);
        expect_elementwise(download_vector<float>(*out, ref.size()), ref, "get_rows " + type_str(type));
    }
}

TEST(GetRows, KQuantsMatchDequantisation) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t n_cols = 512;  // two super-blocks per row
    for (model::GgmlType type : kKQuantWeightTypes) {
        HostMatrix table = random_matrix(type, 40, n_cols, 6);
        const std::vector<int32_t> ids = {0, 39, 7, 7, 20};
        auto w = upload_vector(table.bytes, "table");
        auto idb = upload_vector(ids, "ids");
        auto out = zero_buffer(ids.size() * n_cols * 4, "out");
        session::GetRowsOp op;
        op.table = {w.get(), 0, type, table.n_rows, table.n_cols, table.row_bytes};
        op.ids = idb.get();
        op.out = {out.get(), 0, n_cols};
        op.n_tokens = (uint32_t)ids.size();
        run_on_gpu([&](session::GpuRecorder &rec) { return session::record_get_rows(rec, op); });
        std::vector<float> ref(ids.size() * n_cols);
        for (size_t t = 0; t < ids.size(); ++t)
            model::dequantize_row(type, table.bytes.data() + ids[t] * table.row_bytes, ref.data() + t * n_cols, n_cols);
        expect_elementwise(download_vector<float>(*out, ref.size()), ref, "get_rows " + type_str(type));
    }
}

TEST(GetRows, SmallBindingLimitGathersFromEveryChunk) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 2048;  // the 16 KiB table in 8 chunks; activations still fit one binding
    auto small = vulkan::Device::open(opts).value();
    session::GpuKernels kernels(*small, test_tuning());
    auto stream = vulkan::CommandStream::create(*small).value();
    HostMatrix table = random_matrix(model::GgmlType::kQ4_0, 300, 96, 6);
    const std::vector<int32_t> ids = {299, 0, 100, 200, 7};
    auto w = vulkan::Buffer::create(*small, table.bytes.size(), vulkan::MemoryUse::kDevice, "t").value();
    auto idb = vulkan::Buffer::create(*small, ids.size() * 4, vulkan::MemoryUse::kDevice, "ids").value();
    auto out = vulkan::Buffer::create(*small, ids.size() * 96 * 4, vulkan::MemoryUse::kDevice, "out").value();
    ASSERT_TRUE(w->upload(0, table.bytes.data(), table.bytes.size()).is_ok());
    ASSERT_TRUE(idb->upload(0, ids.data(), ids.size() * 4).is_ok());
    session::GetRowsOp op;
    op.table = {w.get(), 0, table.type, 300, 96, table.row_bytes};
    op.ids = idb.get();
    op.out = {out.get(), 0, 96};
    op.n_tokens = (uint32_t)ids.size();
    run_on(kernels, *stream, [&](session::GpuRecorder &rec) { return session::record_get_rows(rec, op); });
    EXPECT_GT(stream->n_dispatches(), 1u);
    std::vector<float> ref(ids.size() * 96);
    for (size_t t = 0; t < ids.size(); ++t)
        model::dequantize_row(table.type, table.bytes.data() + ids[t] * table.row_bytes, ref.data() + t * 96, 96);
    expect_elementwise(download_vector<float>(*out, ref.size()), ref, "chunked get_rows");
}

TEST(RmsNorm, RowsAndPerHeadGroups) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    struct Case {
        uint32_t n_tokens, rows_per_token, n_cols;
    };
    for (Case c : {Case{1, 1, 300}, Case{7, 1, 96}, Case{5, 3, 64}, Case{0, 1, 32}}) {
        const uint32_t stride = c.rows_per_token * c.n_cols + 5;  // rows of a token not packed to the end
        std::vector<float> x = random_floats((size_t)c.n_tokens * stride + 1, 9);
        std::vector<float> w = random_floats(c.n_cols, 10);
        auto xb = upload_vector(x, "x");
        auto wb = upload_vector(w, "w");
        auto yb = zero_buffer(x.size() * 4, "y");
        session::RmsNormOp op;
        op.x = {xb.get(), 0, stride};
        op.y = {yb.get(), 0, stride};
        op.weight = wb.get();
        op.n_tokens = c.n_tokens;
        op.rows_per_token = c.rows_per_token;
        op.n_cols = c.n_cols;
        op.eps = 1e-6f;
        run_on_gpu([&](session::GpuRecorder &rec) { return session::record_rms_norm(rec, op); });
        std::vector<float> ref(x.size(), 0.0f);
        for (uint32_t t = 0; t < c.n_tokens; ++t)
            for (uint32_t h = 0; h < c.rows_per_token; ++h) {
                const size_t o = (size_t)t * stride + h * c.n_cols;
                reference::rms_norm(x.data() + o, w.data(), ref.data() + o, c.n_cols, 1e-6f);
            }
        expect_elementwise(download_vector<float>(*yb, x.size()), ref,
                           "rms_norm tokens " + std::to_string(c.n_tokens) + " heads " + std::to_string(c.rows_per_token));
    }
}

TEST(RmsNorm, InPlace) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    std::vector<float> x = random_floats(3 * 200, 12), w = random_floats(200, 13);
    auto xb = upload_vector(x, "x");
    auto wb = upload_vector(w, "w");
    session::RmsNormOp op;
    op.x = op.y = {xb.get(), 0, 200};
    op.weight = wb.get();
    op.n_tokens = 3;
    op.n_cols = 200;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_rms_norm(rec, op); });
    std::vector<float> ref(x.size());
    for (int t = 0; t < 3; ++t) reference::rms_norm(x.data() + t * 200, w.data(), ref.data() + t * 200, 200, 1e-6f);
    expect_elementwise(download_vector<float>(*xb, x.size()), ref, "in-place rms_norm");
}

// Q/K norm + RoPE of n_tokens tokens at the given positions, compared head by head with the reference.
void check_qk_norm_rope(uint32_t head_dim, uint32_t n_rot, const std::vector<int32_t> &positions) {
    const uint32_t n_head = 4, n_head_kv = 2, n_tokens = (uint32_t)positions.size();
    const uint32_t q_dim = n_head * head_dim, k_dim = n_head_kv * head_dim, stride = q_dim + 2 * k_dim;
    const float base = 1000000.0f, eps = 1e-6f;
    std::vector<float> qkv = random_floats((size_t)n_tokens * stride, 14, 2.0f);
    std::vector<float> qn = random_floats(head_dim, 15), kn = random_floats(head_dim, 16);
    int32_t max_pos = 0;
    for (int32_t p : positions) max_pos = std::max(max_pos, p);
    auto qkvb = upload_vector(qkv, "qkv");
    auto qnb = upload_vector(qn, "qn");
    auto knb = upload_vector(kn, "kn");
    auto table = upload_vector(session::make_rope_table(max_pos + 1, n_rot, base), "rope");
    auto pos = upload_vector(positions, "pos");
    session::QkNormRopeOp op;
    op.qkv = {qkvb.get(), 0, stride};
    op.k_offset = q_dim;
    op.n_tokens = n_tokens;
    op.n_head = n_head;
    op.n_head_kv = n_head_kv;
    op.head_dim = head_dim;
    op.n_rot = n_rot;
    op.q_norm = qnb.get();
    op.k_norm = knb.get();
    op.rope_table = table.get();
    op.positions = pos.get();
    op.eps = eps;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_qk_norm_rope(rec, op); });
    std::vector<float> ref = qkv;
    for (uint32_t t = 0; t < n_tokens; ++t) {
        for (uint32_t h = 0; h < n_head + n_head_kv; ++h) {
            const bool is_q = h < n_head;
            float *head = ref.data() + (size_t)t * stride + (is_q ? h * head_dim : q_dim + (h - n_head) * head_dim);
            reference::rms_norm(head, is_q ? qn.data() : kn.data(), head, head_dim, eps);
            reference::rope_neox(head, head_dim, n_rot, positions[t], base);
        }
    }
    expect_elementwise(download_vector<float>(*qkvb, qkv.size()), ref,
                       "qk_norm_rope head_dim " + std::to_string(head_dim) + " n_rot " + std::to_string(n_rot));
}

TEST(QkNormRope, MatchesReferenceNormThenRope) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    check_qk_norm_rope(64, 64, {0, 1, 2, 3, 4});
    check_qk_norm_rope(128, 128, {7, 300, 4095});          // large angles: the table keeps them exact
    check_qk_norm_rope(96, 32, {5, 0, 1000});              // partial rotation, tokens out of order
    check_qk_norm_rope(32, 32, {});                        // no tokens
}

}  // namespace
}  // namespace moevk::test
