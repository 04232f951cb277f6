// format_test.cpp — lib/state and the fingerprint without a device: byte planes, the documented size of an
// empty snapshot, fingerprints (two models of one shape differ; the golden model's is frozen in its golden
// snapshots), and the decoder on golden files whose checksum was recomputed after a mutation, so the checks
// behind the checksum see hostile input too (refused or accepted, never a crash; run under ASan in CI).
#include <random>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "model/fingerprint.h"
#include "model/gguf.h"
#include "state/byte_planes.h"
#include "state/format.h"
#include "state/le.h"
#include "state/snapshot.h"
#include "state/state_fixture.h"

namespace moevk::test {
namespace {

using state::SnapshotShape;

model::Fingerprint fingerprint_of(const std::string &path) {
    auto file = model::GgufFile::open(path);
    EXPECT_TRUE(file.is_ok()) << file.status().message();
    return file.is_ok() ? model::fingerprint(*file.value()) : model::Fingerprint{};
}

// The shape a golden file's header announces (tests then vary one field).
SnapshotShape shape_from_header(const std::vector<uint8_t> &f) {
    SnapshotShape s;
    std::memcpy(s.fingerprint, f.data() + state::kOffFingerprint, 16);
    s.n_vocab = state::load_u32(f.data() + state::kOffNVocab);
    s.n_layer = state::load_u32(f.data() + state::kOffNLayer);
    s.kv_type = state::load_u32(f.data() + state::kOffKvType);
    s.k_row_values = state::load_u32(f.data() + state::kOffKRowValues);
    s.v_row_values = state::load_u32(f.data() + state::kOffVRowValues);
    return s;
}

void reseal(std::vector<uint8_t> &f) {
    state::store_u64(f.data() + f.size() - 8, XXH3_64bits(f.data(), f.size() - 8));
}

TEST(StateFormat, BytePlanesRoundTrip) {
    std::vector<uint8_t> raw(34 * 7), planes(raw.size()), back(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = (uint8_t)(i * 37 + 11);
    for (uint32_t w : {1u, 2u, 4u, 34u}) {
        state::to_byte_planes(raw.data(), raw.size(), w, planes.data());
        if (w == 2) {
            EXPECT_EQ(planes[1], raw[2]);  // byte 0 of record 1 follows byte 0 of record 0
        }
        state::from_byte_planes(planes.data(), raw.size(), w, back.data());
        EXPECT_EQ(back, raw) << "w " << w;
    }
}

TEST(StateFormat, EmptySnapshotHasTheDocumentedSize) {
    SnapshotShape shape;
    shape.n_vocab = 256, shape.n_layer = 2, shape.kv_type = state::kKvF16, shape.k_row_values = 64,
    shape.v_row_values = 64;
    std::vector<int32_t> tokens;
    std::vector<float> logits;
    state::SnapshotSource src{shape, 100, &tokens, &logits, nullptr};
    auto bytes = state::encode(src, 1);
    ASSERT_TRUE(bytes.is_ok());
    EXPECT_EQ(bytes.value().size(), 170u);  // docs/state-format.md, "Example"
    auto snap = state::decode(bytes.value().data(), bytes.value().size(), shape, 1);
    ASSERT_TRUE(snap.is_ok()) << snap.status().message();
    EXPECT_EQ(snap.value().n_pos, 0u);
}

TEST(StateFormat, FingerprintTellsApartModelsOfTheSameShape) {
    const model::Fingerprint a = fingerprint_of(test_model("q4_0")), b = fingerprint_of(test_model("q4_0-seed8"));
    EXPECT_TRUE(a.low != b.low || a.high != b.high);
    const model::Fingerprint again = fingerprint_of(test_model("q4_0"));
    EXPECT_TRUE(a.low == again.low && a.high == again.high);
}

// The fingerprint rule is frozen by the golden files: the model's fingerprint must equal the one they carry.
TEST(StateFormat, GoldenModelFingerprintIsFrozen) {
    const model::Fingerprint fp = fingerprint_of(golden_model());
    for (const char *kv : {"f16", "f32", "q8_0"}) {
        const std::vector<uint8_t> f = read_bytes(golden_dir() + "/state-v1-" + kv + ".mvks");
        ASSERT_GT(f.size(), 80u) << kv;
        EXPECT_EQ(state::load_u64(f.data() + state::kOffFingerprint), fp.low) << kv;
        EXPECT_EQ(state::load_u64(f.data() + state::kOffFingerprint + 8), fp.high) << kv;
    }
}

TEST(StateFormat, GoldenFilesDecodeWithoutADevice) {
    for (const char *kv : {"f16", "f32", "q8_0"}) {
        const std::vector<uint8_t> f = read_bytes(golden_dir() + "/state-v1-" + kv + ".mvks");
        auto snap = state::decode(f.data(), f.size(), shape_from_header(f), 4096);
        ASSERT_TRUE(snap.is_ok()) << kv << ": " << snap.status().message();
        EXPECT_EQ(snap.value().n_pos, 12u);
        EXPECT_EQ(snap.value().logits, read_floats(golden_dir() + "/state-v1-" + kv + ".logits.f32"));
    }
}

// Mutations with a valid checksum: the decoder's own checks must hold (no crash, no over-read under ASan).
TEST(StateFormat, ResealedMutationsNeverCrashTheDecoder) {
    const std::vector<uint8_t> f = read_bytes(golden_dir() + "/state-v1-q8_0.mvks");
    ASSERT_GT(f.size(), 80u);
    const SnapshotShape shape = shape_from_header(f);
    std::mt19937_64 rng(7);
    int accepted = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::vector<uint8_t> bad = f;
        const int n = 1 + (int)(rng() % 4);
        for (int i = 0; i < n; ++i) {
            // Aim at the structured part (header, tokens, table) two times in three.
            const size_t limit = (rng() % 3) ? std::min<size_t>(bad.size() - 8, 72 + 48 + 1024 + 64) : bad.size() - 8;
            bad[rng() % limit] ^= (uint8_t)(1u << (rng() % 8));
        }
        reseal(bad);
        auto snap = state::decode(bad.data(), bad.size(), shape, 4096);
        if (snap.is_ok()) {
            ++accepted;  // only harmless fields: logits, tokens still below n_vocab, writer_version
            ASSERT_EQ(snap.value().layers.size(), shape.n_layer);
        }
    }
    RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace moevk::test
