// format_v2_test.cpp — lib/state's version 2 (docs/state-format.md) without a device: which version a
// writer picks, exact round trips of a synthetic hybrid shape (K/V, conv and SSM sections, checkpoints), and
// the reader's check 13 on files whose checksum was recomputed after a mutation (each refused as documented).
#include <random>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <gtest/gtest.h>

#include "state/format.h"
#include "state/le.h"
#include "state/snapshot.h"

namespace moevk::test {
namespace {

using state::SnapshotCheckpoint;
using state::SnapshotShape;

constexpr uint32_t kNPos = 5;

// 4 layers like the tiny hybrid models: 0-2 recurrent, 3 attention.
SnapshotShape hybrid_shape() {
    SnapshotShape s;
    for (int i = 0; i < 16; ++i) s.fingerprint[i] = (uint8_t)(i * 13 + 1);
    s.n_vocab = 64, s.n_layer = 4, s.kv_type = state::kKvF16, s.k_row_values = 32, s.v_row_values = 32;
    s.conv_bytes = {4 * 24 * 3, 4 * 24 * 3, 4 * 24 * 3, 0};
    s.ssm_bytes = {4 * 2 * 8 * 8, 4 * 2 * 8 * 8, 4 * 2 * 8 * 8, 0};
    return s;
}

SnapshotShape kv_only_shape() {
    SnapshotShape s = hybrid_shape();
    s.conv_bytes.clear();
    s.ssm_bytes.clear();
    return s;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (uint8_t &b : v) b = (uint8_t)rng();
    return v;
}

// A session of kNPos tokens whose K/V rows and recurrent state are random bytes.
struct Session {
    SnapshotShape shape;
    std::vector<int32_t> tokens{1, 9, 17, 25, 33};
    std::vector<float> logits;
    std::vector<std::vector<uint8_t>> kv;
    std::vector<uint8_t> recurrent;
    std::vector<SnapshotCheckpoint> checkpoints;

    explicit Session(const SnapshotShape &s) : shape(s), logits(s.n_vocab, 0.25f), kv(s.n_layer) {
        for (uint32_t l = 0; l < s.n_layer; ++l)
            if (!s.is_recurrent(l)) kv[l] = random_bytes(state::attn_kv_bytes(s, kNPos), 100 + l);
        recurrent = random_bytes(state::recurrent_state_bytes(s), 7);
    }
    std::vector<uint8_t> encode() const {
        state::SnapshotSource src;
        src.shape = shape;
        src.writer_version = 1;
        src.tokens = &tokens;
        src.logits = &logits;
        src.read_layer = [&](uint32_t layer, std::vector<uint8_t> &out) {
            out = kv[layer];
            return Status::ok();
        };
        src.recurrent_state = &recurrent;
        src.checkpoints = &checkpoints;
        auto bytes = state::encode(src, 1);
        EXPECT_TRUE(bytes.is_ok()) << bytes.status().message();
        return bytes.is_ok() ? bytes.value() : std::vector<uint8_t>();
    }
};

void reseal(std::vector<uint8_t> &f) {
    state::store_u64(f.data() + f.size() - 8, XXH3_64bits(f.data(), f.size() - 8));
}

// Offset of section entry i in a file holding logits.
size_t entry_at(const std::vector<uint8_t> &f, uint32_t i) {
    const uint32_t n_pos = state::load_u32(f.data() + state::kOffNPos);
    const uint32_t n_vocab = state::load_u32(f.data() + state::kOffNVocab);
    return state::kHeaderBytes + 4ull * n_pos + 4ull * n_vocab + state::kSectionEntryBytes * i;
}

StatusCode decode_code(const std::vector<uint8_t> &f, const SnapshotShape &shape) {
    auto snap = state::decode(f.data(), f.size(), shape, 64);
    return snap.is_ok() ? StatusCode::kOk : snap.status().code();
}

TEST(StateFormatV2, KvOnlyWithoutCheckpointsIsWrittenAsVersion1) {
    Session s(kv_only_shape());
    const std::vector<uint8_t> f = s.encode();
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(state::load_u32(f.data() + state::kOffVersion), 1u);
}

TEST(StateFormatV2, HybridRoundTripIsExact) {
    Session s(hybrid_shape());
    s.checkpoints.push_back(SnapshotCheckpoint{0, {}});
    s.checkpoints.push_back(SnapshotCheckpoint{3, random_bytes(s.recurrent.size(), 8)});
    s.checkpoints.push_back(SnapshotCheckpoint{kNPos, s.recurrent});
    const std::vector<uint8_t> f = s.encode();
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(state::load_u32(f.data() + state::kOffVersion), 2u);
    EXPECT_EQ(state::load_u32(f.data() + state::kOffNSections), 1u + 3 * 2 + 3);
    auto snap = state::decode(f.data(), f.size(), s.shape, 64);
    ASSERT_TRUE(snap.is_ok()) << snap.status().message();
    const state::Snapshot &got = snap.value();
    EXPECT_EQ(got.tokens, s.tokens);
    EXPECT_EQ(got.recurrent_state, s.recurrent);
    for (uint32_t l = 0; l < 4; ++l) EXPECT_EQ(got.layers[l], s.kv[l]) << "layer " << l;
    ASSERT_EQ(got.checkpoints.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(got.checkpoints[i].pos, s.checkpoints[i].pos);
        EXPECT_EQ(got.checkpoints[i].state, s.checkpoints[i].state);
    }
}

TEST(StateFormatV2, KvOnlyCheckpointsAreVersion2PositionsOnly) {
    Session s(kv_only_shape());
    s.checkpoints = {SnapshotCheckpoint{2, {}}, SnapshotCheckpoint{kNPos, {}}};
    const std::vector<uint8_t> f = s.encode();
    EXPECT_EQ(state::load_u32(f.data() + state::kOffVersion), 2u);
    auto snap = state::decode(f.data(), f.size(), s.shape, 64);
    ASSERT_TRUE(snap.is_ok()) << snap.status().message();
    ASSERT_EQ(snap.value().checkpoints.size(), 2u);
    EXPECT_EQ(snap.value().checkpoints[1].pos, kNPos);
    EXPECT_TRUE(snap.value().recurrent_state.empty());
}

TEST(StateFormatV2, HybridStateNeedsVersion2) {
    Session s(hybrid_shape());
    std::vector<uint8_t> f = s.encode();
    state::store_u32(f.data() + state::kOffVersion, 1);
    reseal(f);
    EXPECT_EQ(decode_code(f, s.shape), StatusCode::kCorrupt);
}

TEST(StateFormatV2, SectionsOutOfOrderAreCorrupt) {
    Session s(hybrid_shape());
    const std::vector<uint8_t> good = s.encode();
    // Entry 0 is layer 0's CONV, entry 1 its SSM: swapping their types breaks the fixed order.
    std::vector<uint8_t> f = good;
    state::store_u32(f.data() + entry_at(f, 0), state::kSectionRecurrentSsm);
    state::store_u32(f.data() + entry_at(f, 1), state::kSectionRecurrentConv);
    reseal(f);
    EXPECT_EQ(decode_code(f, s.shape), StatusCode::kCorrupt);
    // Layer 3 (attention) announced as recurrent.
    f = good;
    state::store_u32(f.data() + entry_at(f, 6), state::kSectionRecurrentConv);
    reseal(f);
    EXPECT_EQ(decode_code(f, s.shape), StatusCode::kCorrupt);
    // A raw_size that is not the model's conv state.
    f = good;
    state::store_u64(f.data() + entry_at(f, 0) + 16, s.shape.conv_bytes[0] + 4);
    reseal(f);
    EXPECT_EQ(decode_code(f, s.shape), StatusCode::kCorrupt);
}

TEST(StateFormatV2, BadCheckpointEntriesAreCorrupt) {
    Session s(hybrid_shape());
    s.checkpoints = {SnapshotCheckpoint{2, random_bytes(s.recurrent.size(), 3)},
                     SnapshotCheckpoint{4, random_bytes(s.recurrent.size(), 4)}};
    const std::vector<uint8_t> good = s.encode();
    ASSERT_EQ(decode_code(good, s.shape), StatusCode::kOk);
    const uint32_t first = 7, second = 8;  // entries after the 7 layer sections
    auto with_position = [&](uint32_t entry, uint32_t pos) {
        std::vector<uint8_t> f = good;
        state::store_u32(f.data() + entry_at(f, entry) + 8, pos);
        reseal(f);
        return decode_code(f, s.shape);
    };
    EXPECT_EQ(with_position(second, 2), StatusCode::kCorrupt);          // not increasing
    EXPECT_EQ(with_position(second, kNPos + 1), StatusCode::kCorrupt);  // past n_pos
    EXPECT_EQ(with_position(first, 0), StatusCode::kCorrupt);  // position 0 holds no bytes, this one does
    EXPECT_EQ(with_position(second, kNPos), StatusCode::kOk);
}

TEST(StateFormatV2, UnknownSectionsFollowTheSkippableFlag) {
    Session s(hybrid_shape());
    s.checkpoints = {SnapshotCheckpoint{2, random_bytes(s.recurrent.size(), 3)}};
    std::vector<uint8_t> f = s.encode();
    const size_t e = entry_at(f, 7);
    state::store_u32(f.data() + e, 77);
    reseal(f);
    EXPECT_EQ(decode_code(f, s.shape), StatusCode::kVersion);
    state::store_u32(f.data() + e + 4, state::load_u32(f.data() + e + 4) | state::kSectionFlagSkippable);
    reseal(f);
    auto snap = state::decode(f.data(), f.size(), s.shape, 64);
    ASSERT_TRUE(snap.is_ok()) << snap.status().message();
    EXPECT_TRUE(snap.value().checkpoints.empty());
    EXPECT_EQ(snap.value().recurrent_state, s.recurrent);
}

// Every single-byte mutation of the table and header (checksum recomputed) is refused or accepted, never a
// crash; run under ASan in CI.
TEST(StateFormatV2, MutatedHeadersAndTablesNeverCrash) {
    Session s(hybrid_shape());
    s.checkpoints = {SnapshotCheckpoint{0, {}}, SnapshotCheckpoint{3, random_bytes(s.recurrent.size(), 5)}};
    const std::vector<uint8_t> good = s.encode();
    const size_t table_end = entry_at(good, 10);
    std::mt19937 rng(1);
    for (int trial = 0; trial < 3000; ++trial) {
        std::vector<uint8_t> f = good;
        f[rng() % table_end] ^= (uint8_t)(1u << (rng() % 8));
        reseal(f);
        (void)decode_code(f, s.shape);
    }
}

}  // namespace
}  // namespace moevk::test
