// moe_test.cpp — the expert kernels for every weight type (K-quants on shapes of whole super-blocks):
// moe_gate_up (gate and up mat-vecs + SwiGLU) and moe_down against reference::matvec / reference::swiglu of
// the chosen experts, read through a permuted expert->slot table; moe_combine against a float64 weighted
// sum; slot chunking under a small binding limit; batch invariance; pairs grouped by expert (moe_group)
// against one workgroup per pair; moe_down_combine against moe_down + moe_combine (bit for bit) and the
// reference.
#include <gtest/gtest.h>

#include "oracle/oracle_util.h"
#include "reference/ops.h"

namespace moevk::test {
namespace {

constexpr uint32_t kExperts = 6, kUsed = 2, kEmbd = 160, kFf = 288;  // 288 rows: not a multiple of 64
constexpr uint32_t kKEmbd = 256, kKFf = 512;  // K-quant shapes: rows of whole 256-value super-blocks
const std::vector<uint32_t> kSlotOf = {3, 0, 5, 1, 4, 2};               // expert -> slot, not the identity

double tier_for(model::GgmlType type) { return type == model::GgmlType::kF32 ? kNmseF32Weights : kNmseQuantWeights; }

// Per-expert matrices and the slot buffers built from them (slot s holds expert e with kSlotOf[e] == s).
struct Experts {
    model::GgmlType type;
    uint32_t embd, ff;  // n_embd (gate/up columns, down rows) and expert width (gate/up rows, down columns)
    std::vector<HostMatrix> gate, up, down;
    std::vector<uint8_t> gate_up_slots, down_slots;
    uint64_t gate_up_slot_bytes = 0, down_slot_bytes = 0;

    explicit Experts(model::GgmlType t, uint32_t n_embd = kEmbd, uint32_t n_ff = kFf) : type(t), embd(n_embd), ff(n_ff) {
        for (uint32_t e = 0; e < kExperts; ++e) {
            gate.push_back(random_matrix(t, ff, embd, 100 + e));
            up.push_back(random_matrix(t, ff, embd, 200 + e));
            down.push_back(random_matrix(t, embd, ff, 300 + e));
        }
        gate_up_slot_bytes = 2 * gate[0].bytes.size();
        down_slot_bytes = down[0].bytes.size();
        gate_up_slots.resize(kExperts * gate_up_slot_bytes);
        down_slots.resize(kExperts * down_slot_bytes);
        for (uint32_t e = 0; e < kExperts; ++e) {
            uint8_t *gu = gate_up_slots.data() + kSlotOf[e] * gate_up_slot_bytes;
            std::copy(gate[e].bytes.begin(), gate[e].bytes.end(), gu);
            std::copy(up[e].bytes.begin(), up[e].bytes.end(), gu + gate[e].bytes.size());
            std::copy(down[e].bytes.begin(), down[e].bytes.end(), down_slots.data() + kSlotOf[e] * down_slot_bytes);
        }
    }
    session::GpuExpertSlots gate_up_view(const vulkan::Buffer *b) const {
        return {b, 0, type, kExperts, gate_up_slot_bytes, ff, embd, gate[0].row_bytes, gate[0].bytes.size()};
    }
    session::GpuExpertSlots down_view(const vulkan::Buffer *b) const {
        return {b, 0, type, kExperts, down_slot_bytes, embd, ff, down[0].row_bytes, 0};
    }
};

// Distinct expert ids per token.
std::vector<int32_t> choose_ids(uint32_t n_tokens, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> ids;
    for (uint32_t t = 0; t < n_tokens; ++t) {
        int32_t a = (int32_t)(rng() % kExperts), b = (int32_t)(rng() % (kExperts - 1));
        if (b >= a) ++b;
        ids.push_back(a);
        ids.push_back(b);
    }
    return ids;
}

std::vector<float> gpu_gate_up(session::GpuKernels &kernels, vulkan::CommandStream &stream, const vulkan::Device &dev,
                               const Experts &ex, const std::vector<float> &x, const std::vector<int32_t> &ids,
                               uint32_t n_tokens) {
    auto make = [&](const void *data, size_t size, const char *name) {
        auto b = vulkan::Buffer::create(dev, size, vulkan::MemoryUse::kDevice, name).value();  // >= 4 bytes
        EXPECT_TRUE(b->upload(0, data, size).is_ok());
        return b;
    };
    auto slots = make(ex.gate_up_slots.data(), ex.gate_up_slots.size(), "slots");
    auto xb = make(x.data(), x.size() * 4, "x");
    auto idb = make(ids.data(), ids.size() * 4, "ids");
    auto table = make(kSlotOf.data(), kSlotOf.size() * 4, "table");
    auto act = vulkan::Buffer::create(dev, (size_t)n_tokens * kUsed * ex.ff * 4 + 4, vulkan::MemoryUse::kDevice, "act").value();
    session::MoeGateUpOp op;
    op.slots = ex.gate_up_view(slots.get());
    op.x = {xb.get(), 0, ex.embd};
    op.ids = idb.get();
    op.slot_table = table.get();
    op.act = act.get();
    op.n_tokens = n_tokens;
    op.k = kUsed;
    run_on(kernels, stream, [&](session::GpuRecorder &rec) { return session::record_moe_gate_up(rec, op); });
    return download_vector<float>(*act, (size_t)n_tokens * kUsed * ex.ff);
}

std::vector<float> ref_gate_up(const Experts &ex, const std::vector<float> &x, const std::vector<int32_t> &ids,
                               uint32_t n_tokens) {
    std::vector<float> act((size_t)n_tokens * kUsed * ex.ff), g(ex.ff), u(ex.ff);
    for (uint32_t p = 0; p < n_tokens * kUsed; ++p) {
        const uint32_t t = p / kUsed, e = (uint32_t)ids[p];
        reference::matvec(ex.type, ex.gate[e].bytes.data(), ex.ff, ex.embd, x.data() + t * ex.embd, g.data());
        reference::matvec(ex.type, ex.up[e].bytes.data(), ex.ff, ex.embd, x.data() + t * ex.embd, u.data());
        reference::swiglu(g.data(), u.data(), act.data() + (size_t)p * ex.ff, ex.ff);
    }
    return act;
}

TEST(MoeGateUp, EveryTypeMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) {
        Experts ex(type);
        for (uint32_t n_tokens : {1u, 5u}) {
            std::vector<float> x = random_floats(n_tokens * ex.embd, 7 + n_tokens);
            std::vector<int32_t> ids = choose_ids(n_tokens, n_tokens);
            expect_nmse(gpu_gate_up(test_kernels(), *env.stream, *env.device, ex, x, ids, n_tokens),
                        ref_gate_up(ex, x, ids, n_tokens), tier_for(type),
                        "gate_up " + type_str(type) + " tokens " + std::to_string(n_tokens));
        }
    }
}

TEST(MoeGateUp, KQuantsMatchReferenceAndAreBatchInvariant) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kKQuantWeightTypes) {
        Experts ex(type, kKEmbd, kKFf);
        std::vector<float> x = random_floats(5 * ex.embd, 12);
        std::vector<int32_t> ids = choose_ids(5, 13);
        std::vector<float> batch = gpu_gate_up(test_kernels(), *env.stream, *env.device, ex, x, ids, 5);
        expect_nmse(batch, ref_gate_up(ex, x, ids, 5), tier_for(type), "gate_up " + type_str(type));
        std::vector<float> xt(x.end() - ex.embd, x.end());
        std::vector<int32_t> it(ids.end() - kUsed, ids.end());
        expect_bit_identical(gpu_gate_up(test_kernels(), *env.stream, *env.device, ex, xt, it, 1),
                             std::vector<float>(batch.end() - kUsed * ex.ff, batch.end()), "gate_up last token alone");
    }
}

TEST(MoeGateUp, BatchInvariantAndChunkedSlotsIdentical) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 128 * 1024;  // one q8_0 slot (96 KiB) or two q4_0 slots per chunk
    auto small = vulkan::Device::open(opts).value();
    session::GpuKernels small_kernels(*small, test_tuning());
    auto small_stream = vulkan::CommandStream::create(*small).value();
    for (model::GgmlType type : {model::GgmlType::kQ8_0, model::GgmlType::kQ4_0}) {
        Experts ex(type);
        std::vector<float> x = random_floats(5 * ex.embd, 17);
        std::vector<int32_t> ids = choose_ids(5, 18);
        std::vector<float> batch = gpu_gate_up(test_kernels(), *env.stream, *env.device, ex, x, ids, 5);
        std::vector<float> chunked = gpu_gate_up(small_kernels, *small_stream, *small, ex, x, ids, 5);
        EXPECT_GT(small_stream->n_dispatches(), 1u);
        expect_bit_identical(chunked, batch, "chunked gate_up " + type_str(type));
        for (uint32_t t = 0; t < 5; ++t) {
            std::vector<float> xt(x.begin() + t * ex.embd, x.begin() + (t + 1) * ex.embd);
            std::vector<int32_t> it(ids.begin() + t * kUsed, ids.begin() + (t + 1) * kUsed);
            std::vector<float> one = gpu_gate_up(test_kernels(), *env.stream, *env.device, ex, xt, it, 1);
            expect_bit_identical(one, std::vector<float>(batch.begin() + t * kUsed * ex.ff, batch.begin() + (t + 1) * kUsed * ex.ff),
                                 "gate_up token " + std::to_string(t));
        }
    }
}

// moe_down for 5 tokens of kUsed experts each against reference::matvec of the chosen experts' down rows.
void expect_moe_down_matches_reference(const Experts &ex) {
    const model::GgmlType type = ex.type;
    const uint32_t n_tokens = 5, n_pairs = n_tokens * kUsed;
    std::vector<float> act = random_floats(n_pairs * ex.ff, 27);
    std::vector<int32_t> ids = choose_ids(n_tokens, 28);
    auto slots = upload_vector(ex.down_slots, "down");
    auto ab = upload_vector(act, "act");
    auto idb = upload_vector(ids, "ids");
    auto table = upload_vector(kSlotOf, "table");
    auto out = zero_buffer(n_pairs * ex.embd * 4, "out");
    session::MoeDownOp op;
    op.slots = ex.down_view(slots.get());
    op.act = ab.get();
    op.ids = idb.get();
    op.slot_table = table.get();
    op.out = out.get();
    op.n_pairs = n_pairs;
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_moe_down(rec, op); });
    std::vector<float> ref(n_pairs * ex.embd);
    for (uint32_t p = 0; p < n_pairs; ++p)
        reference::matvec(type, ex.down[ids[p]].bytes.data(), ex.embd, ex.ff, act.data() + p * ex.ff,
                          ref.data() + p * ex.embd);
    expect_nmse(download_vector<float>(*out, ref.size()), ref, tier_for(type), "down " + type_str(type));
}

TEST(MoeDown, EveryTypeMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) expect_moe_down_matches_reference(Experts(type));
}

TEST(MoeDown, KQuantsMatchReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kKQuantWeightTypes) expect_moe_down_matches_reference(Experts(type, kKEmbd, kKFf));
}

TEST(MoeCombine, WeightedSumPlusResidual) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const uint32_t n_tokens = 3, k = 4, d = 300;
    std::vector<float> eout = random_floats(n_tokens * k * d, 31), w = random_floats(n_tokens * k, 32);
    std::vector<float> x = random_floats(n_tokens * d, 33);
    auto eb = upload_vector(eout, "eout");
    auto wb = upload_vector(w, "w");
    auto xb = upload_vector(x, "x");
    session::MoeCombineOp op{eb.get(), wb.get(), xb.get(), n_tokens, k, d};
    run_on_gpu([&](session::GpuRecorder &rec) { return session::record_moe_combine(rec, op); });
    std::vector<float> ref(x.size());
    for (uint32_t t = 0; t < n_tokens; ++t)
        for (uint32_t r = 0; r < d; ++r) {
            double acc = 0;
            for (uint32_t j = 0; j < k; ++j) acc += (double)w[t * k + j] * eout[(t * k + j) * d + r];
            ref[t * d + r] = (float)((double)x[t * d + r] + (double)(float)acc);
        }
    expect_elementwise(download_vector<float>(*xb, x.size()), ref, "moe_combine");
}

// x after the down rows of each token's experts, weighted by w, were added to it: fused (moe_down_combine)
// or as moe_down then moe_combine.
std::vector<float> gpu_down_combine(const Experts &ex, const std::vector<float> &act_in, const std::vector<int32_t> &ids,
                                    const std::vector<float> &w, const std::vector<float> &x, uint32_t n_tokens, bool fused) {
    const uint32_t n_pairs = n_tokens * kUsed;
    auto down = upload_vector(ex.down_slots, "down");
    auto ab = upload_vector(act_in, "act");
    auto idb = upload_vector(ids, "ids");
    auto table = upload_vector(kSlotOf, "table");
    auto wb = upload_vector(w, "w");
    auto xb = upload_vector(x, "x");
    auto out = zero_buffer((size_t)n_pairs * ex.embd * 4, "out");
    run_on_gpu([&](session::GpuRecorder &rec) {
        if (fused) {
            session::MoeDownCombineOp op;
            op.slots = ex.down_view(down.get());
            op.act = ab.get();
            op.ids = idb.get();
            op.slot_table = table.get();
            op.weights = wb.get();
            op.x = xb.get();
            op.n_tokens = n_tokens;
            op.k = kUsed;
            return session::record_moe_down_combine(rec, op);
        }
        session::MoeDownOp dn;
        dn.slots = ex.down_view(down.get());
        dn.act = ab.get();
        dn.ids = idb.get();
        dn.slot_table = table.get();
        dn.out = out.get();
        dn.n_pairs = n_pairs;
        MOEVK_RETURN_IF_ERROR(session::record_moe_down(rec, dn));
        return session::record_moe_combine(rec, {out.get(), wb.get(), xb.get(), n_tokens, kUsed, ex.embd});
    });
    return download_vector<float>(*xb, x.size());
}

void expect_down_combine_matches(const Experts &ex) {
    const uint32_t n_tokens = 5, n_pairs = n_tokens * kUsed;
    const std::string what = "down_combine " + type_str(ex.type);
    std::vector<float> act = random_floats((size_t)n_pairs * ex.ff, 51), w = random_floats(n_pairs, 52, 0.5f);
    std::vector<float> x = random_floats((size_t)n_tokens * ex.embd, 53);
    std::vector<int32_t> ids = choose_ids(n_tokens, 54);
    const std::vector<float> fused = gpu_down_combine(ex, act, ids, w, x, n_tokens, true);
    const std::vector<float> unfused = gpu_down_combine(ex, act, ids, w, x, n_tokens, false);
    expect_bit_identical(fused, unfused, what + " vs down + combine");
    // the increments against a float64 weighted sum of the reference's down rows
    std::vector<float> gpu_add(x.size()), ref_add(x.size()), row(ex.embd);
    std::vector<double> acc(x.size(), 0.0);
    for (uint32_t p = 0; p < n_pairs; ++p) {
        reference::matvec(ex.type, ex.down[ids[p]].bytes.data(), ex.embd, ex.ff, act.data() + (size_t)p * ex.ff, row.data());
        for (uint32_t r = 0; r < ex.embd; ++r) acc[(p / kUsed) * ex.embd + r] += (double)w[p] * row[r];
    }
    for (size_t i = 0; i < x.size(); ++i) {
        gpu_add[i] = fused[i] - x[i];
        ref_add[i] = (float)acc[i];
    }
    expect_nmse(gpu_add, ref_add, tier_for(ex.type), what + " vs reference");
    // the last token alone gives its bits in the batch
    const std::vector<float> one = gpu_down_combine(
        ex, std::vector<float>(act.end() - (size_t)kUsed * ex.ff, act.end()), std::vector<int32_t>(ids.end() - kUsed, ids.end()),
        std::vector<float>(w.end() - kUsed, w.end()), std::vector<float>(x.end() - ex.embd, x.end()), 1, true);
    expect_bit_identical(one, std::vector<float>(fused.end() - ex.embd, fused.end()), what + " last token alone");
}

TEST(MoeDownCombine, EveryTypeBitIdenticalToDownThenCombineAndMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (model::GgmlType type : kAllWeightTypes) expect_down_combine_matches(Experts(type));
    for (model::GgmlType type : kKQuantWeightTypes) expect_down_combine_matches(Experts(type, kKEmbd, kKFf));
}

TEST(MoeDownCombine, SlotsOverSeveralBindingsAreRefused) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 128 * 1024;  // two q4_0 down slots per chunk
    auto small = vulkan::Device::open(opts).value();
    session::GpuKernels small_kernels(*small, test_tuning());
    auto small_stream = vulkan::CommandStream::create(*small).value();
    Experts ex(model::GgmlType::kQ4_0);
    auto down = vulkan::Buffer::create(*small, ex.down_slots.size(), vulkan::MemoryUse::kDevice, "down").value();
    EXPECT_FALSE(session::moe_slots_in_one_binding(*small, ex.down_view(down.get())).value());
    EXPECT_TRUE(session::moe_slots_in_one_binding(*env.device, ex.down_view(down.get())).value());
    session::MoeDownCombineOp op;
    op.slots = ex.down_view(down.get());
    op.act = op.ids = op.slot_table = op.weights = op.x = down.get();
    op.n_tokens = 1;
    op.k = kUsed;
    session::GpuRecorder rec{small_kernels, *small_stream};
    ASSERT_TRUE(small_stream->begin().is_ok());
    EXPECT_EQ(session::record_moe_down_combine(rec, op).code(), StatusCode::kInternal);
    EXPECT_EQ(small_stream->n_dispatches(), 0u);
    ASSERT_TRUE(small_stream->submit_and_wait().is_ok());
}

// How the expert kernels take the pairs: one workgroup each, grouped by expert (moe_group) into tiles of
// the mat-vec kernels, or into tiles of the tiled (prompt) kernels.
enum class Pairs { kSingle, kGrouped, kTiled };

// gate_up and down of n_tokens tokens (x) and of their pairs (act_in) on dev, the pairs grouped by expert
// first unless kSingle. Returns {act, out}.
std::pair<std::vector<float>, std::vector<float>> gpu_experts(session::GpuKernels &kernels, vulkan::CommandStream &stream,
                                                              const vulkan::Device &dev, const Experts &ex,
                                                              const std::vector<float> &x, const std::vector<float> &act_in,
                                                              const std::vector<int32_t> &ids, uint32_t n_tokens, Pairs pairs) {
    const bool grouped = pairs != Pairs::kSingle, tiled = pairs == Pairs::kTiled;
    auto make = [&](const void *data, size_t size, const char *name) {
        auto b = vulkan::Buffer::create(dev, size, vulkan::MemoryUse::kDevice, name).value();
        EXPECT_TRUE(b->upload(0, data, size).is_ok());
        return b;
    };
    const uint32_t n_pairs = n_tokens * kUsed;
    auto gate_up = make(ex.gate_up_slots.data(), ex.gate_up_slots.size(), "gate_up");
    auto down = make(ex.down_slots.data(), ex.down_slots.size(), "down");
    auto xb = make(x.data(), x.size() * 4, "x");
    auto ab = make(act_in.data(), act_in.size() * 4, "act_in");
    auto idb = make(ids.data(), ids.size() * 4, "ids");
    auto table = make(kSlotOf.data(), kSlotOf.size() * 4, "table");
    auto groups = vulkan::Buffer::create(dev, session::moe_groups_bytes(n_pairs), vulkan::MemoryUse::kDevice, "groups").value();
    auto act = vulkan::Buffer::create(dev, (size_t)n_pairs * ex.ff * 4, vulkan::MemoryUse::kDevice, "act").value();
    auto out = vulkan::Buffer::create(dev, (size_t)n_pairs * ex.embd * 4, vulkan::MemoryUse::kDevice, "out").value();
    session::MoeGroups g;
    if (grouped) g = {groups.get(), kExperts, tiled};
    run_on(kernels, stream, [&](session::GpuRecorder &rec) {
        if (grouped)
            MOEVK_RETURN_IF_ERROR(session::record_moe_group(rec, {idb.get(), 0, n_pairs, kExperts, groups.get(), tiled}));
        session::MoeGateUpOp gu;
        gu.slots = ex.gate_up_view(gate_up.get());
        gu.x = {xb.get(), 0, ex.embd};
        gu.ids = idb.get();
        gu.slot_table = table.get();
        gu.act = act.get();
        gu.n_tokens = n_tokens;
        gu.k = kUsed;
        gu.groups = g;
        MOEVK_RETURN_IF_ERROR(session::record_moe_gate_up(rec, gu));
        session::MoeDownOp dn;
        dn.slots = ex.down_view(down.get());
        dn.act = ab.get();
        dn.ids = idb.get();
        dn.slot_table = table.get();
        dn.out = out.get();
        dn.n_pairs = n_pairs;
        dn.groups = g;
        return session::record_moe_down(rec, dn);
    });
    return {download_vector<float>(*act, (size_t)n_pairs * ex.ff), download_vector<float>(*out, (size_t)n_pairs * ex.embd)};
}

// Pairs grouped by expert (tiles of 3: several per expert, the last one partial) give the bits of one
// workgroup per pair, on one binding and over slot chunks, and match the reference.
TEST(MoeGrouped, BitIdenticalToSinglePairsAndMatchesReference) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuKernelTuning tuning = test_tuning();
    tuning.moe_pair_tile = 3;
    session::GpuKernels kernels(*env.device, tuning);
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 128 * 1024;  // one q8_0 slot (96 KiB) or two q4_0 slots per chunk
    auto small = vulkan::Device::open(opts).value();
    session::GpuKernels small_kernels(*small, tuning);
    auto small_stream = vulkan::CommandStream::create(*small).value();
    for (model::GgmlType type : {model::GgmlType::kQ8_0, model::GgmlType::kQ4_0, model::GgmlType::kF32}) {
        Experts ex(type);
        const uint32_t n_tokens = 20, n_pairs = n_tokens * kUsed;
        std::vector<float> x = random_floats(n_tokens * kEmbd, 41), act_in = random_floats(n_pairs * kFf, 43);
        std::vector<int32_t> ids = choose_ids(n_tokens, 42);
        const auto single = gpu_experts(kernels, *env.stream, *env.device, ex, x, act_in, ids, n_tokens, Pairs::kSingle);
        const auto grouped = gpu_experts(kernels, *env.stream, *env.device, ex, x, act_in, ids, n_tokens, Pairs::kGrouped);
        const std::string what = type_str(type);
        expect_bit_identical(grouped.first, single.first, "grouped gate_up " + what);
        expect_bit_identical(grouped.second, single.second, "grouped down " + what);
        if (type != model::GgmlType::kF32) {
            const auto chunked = gpu_experts(small_kernels, *small_stream, *small, ex, x, act_in, ids, n_tokens, Pairs::kGrouped);
            expect_bit_identical(chunked.first, single.first, "grouped chunked gate_up " + what);
            expect_bit_identical(chunked.second, single.second, "grouped chunked down " + what);
        }
        expect_nmse(grouped.first, ref_gate_up(ex, x, ids, n_tokens), tier_for(type), "grouped gate_up ref " + what);
        std::vector<float> ref(n_pairs * kEmbd);
        for (uint32_t p = 0; p < n_pairs; ++p)
            reference::matvec(type, ex.down[ids[p]].bytes.data(), kEmbd, kFf, act_in.data() + p * kFf, ref.data() + p * kEmbd);
        expect_nmse(grouped.second, ref, tier_for(type), "grouped down ref " + what);
    }
}

// The reference of down for every pair (act_in: [pair][ff]).
std::vector<float> ref_down(const Experts &ex, const std::vector<float> &act_in, const std::vector<int32_t> &ids) {
    std::vector<float> ref(ids.size() * ex.embd);
    for (size_t p = 0; p < ids.size(); ++p)
        reference::matvec(ex.type, ex.down[ids[p]].bytes.data(), ex.embd, ex.ff, act_in.data() + p * ex.ff,
                          ref.data() + p * ex.embd);
    return ref;
}

// Token-expert ids where the experts get very different pair counts: expert 0 nearly every token, expert 5
// a few, expert 4 none.
std::vector<int32_t> uneven_ids(uint32_t n_tokens) {
    std::vector<int32_t> ids;
    for (uint32_t t = 0; t < n_tokens; ++t) {
        ids.push_back(t % 9 == 8 ? 5 : 0);
        ids.push_back((int32_t)(1 + t % 3));
    }
    return ids;
}

// The tiled prompt kernels (moe_*_tiled.comp, and the cooperative-matrix ones where the device has them):
// tiles of one expert's pairs, several per expert and partial ones, over every weight format; each pair's
// result matches the reference and does not depend on the other pairs of the call (a 7-token call gives
// the first 7 tokens' bits), on one binding and over slot chunks.
void expect_tiled_experts_match(session::PrefillKernel kernel, double activation_tier) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    session::GpuKernelTuning tuning = test_tuning();
    tuning.prefill_kernel = kernel;
    tuning.prefill_min_tokens = 1;
    session::GpuKernels kernels(*env.device, tuning);
    if (kernels.prefill_kernel() != kernel) GTEST_SKIP() << "the device has no cooperative matrices";
    vulkan::DeviceOptions opts;
    opts.max_binding_bytes = 128 * 1024;
    auto small = vulkan::Device::open(opts).value();
    session::GpuKernels small_kernels(*small, tuning);
    auto small_stream = vulkan::CommandStream::create(*small).value();
    const std::vector<model::GgmlType> types = {model::GgmlType::kF32,  model::GgmlType::kF16,  model::GgmlType::kQ8_0,
                                                model::GgmlType::kQ4_0, model::GgmlType::kQ4_K, model::GgmlType::kQ6_K};
    for (model::GgmlType type : types) {
        const bool kquant = model::block_elements(type) == 256;
        Experts ex = kquant ? Experts(type, kKEmbd, kKFf) : Experts(type);
        const uint32_t n_tokens = 45, n_pairs = n_tokens * kUsed;
        std::vector<float> x = random_floats(n_tokens * ex.embd, 51), act_in = random_floats(n_pairs * ex.ff, 53);
        std::vector<int32_t> ids = uneven_ids(n_tokens);
        const auto tiled = gpu_experts(kernels, *env.stream, *env.device, ex, x, act_in, ids, n_tokens, Pairs::kTiled);
        const std::string what = type_str(type);
        const double tier = std::max(tier_for(type), activation_tier);
        expect_nmse(tiled.first, ref_gate_up(ex, x, ids, n_tokens), tier, "tiled gate_up " + what);
        expect_nmse(tiled.second, ref_down(ex, act_in, ids), tier, "tiled down " + what);
        const uint32_t few = 7;
        const auto part = gpu_experts(kernels, *env.stream, *env.device, ex, x, act_in,
                                      std::vector<int32_t>(ids.begin(), ids.begin() + few * kUsed), few, Pairs::kTiled);
        expect_bit_identical(part.first, std::vector<float>(tiled.first.begin(), tiled.first.begin() + part.first.size()),
                             "tiled gate_up, 7 of the tokens " + what);
        expect_bit_identical(part.second, std::vector<float>(tiled.second.begin(), tiled.second.begin() + part.second.size()),
                             "tiled down, 7 of the tokens " + what);
        if (type == model::GgmlType::kQ4_0 || type == model::GgmlType::kQ8_0) {
            const auto chunked = gpu_experts(small_kernels, *small_stream, *small, ex, x, act_in, ids, n_tokens, Pairs::kTiled);
            expect_bit_identical(chunked.first, tiled.first, "tiled chunked gate_up " + what);
            expect_bit_identical(chunked.second, tiled.second, "tiled chunked down " + what);
        }
    }
}

TEST(MoeTiled, EveryFormatUnevenPairsMatchReferenceAndAreBatchInvariant) {
    expect_tiled_experts_match(session::PrefillKernel::kTiled, 0.0);
}

TEST(MoeTiled, CooperativeMatrixWhereTheDeviceHasIt) {
    expect_tiled_experts_match(session::PrefillKernel::kCoopmat, kNmseF16Activations);
}

}  // namespace
}  // namespace moevk::test
