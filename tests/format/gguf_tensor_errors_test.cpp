// gguf_tensor_errors_test.cpp — malformed tensor-info records and placements: names, n_dims, ne, element
// and byte-size overflow, block multiples, unsupported types, offsets outside the file, misalignment, overlap.
#include "format_test_util.h"

namespace moevk::test {
namespace {

using gen::GgufWriter;
using model::GgmlType;

constexpr uint32_t kF32 = (uint32_t)GgmlType::kF32;
constexpr uint32_t kQ4_0 = (uint32_t)GgmlType::kQ4_0;

TEST(GgufTensorErrors, DuplicateNames) {
    GgufWriter w;
    w.add_tensor("blk.0.attn_q.weight", kF32, {4});
    w.add_tensor("other", kF32, {4});
    w.add_tensor("blk.0.attn_q.weight", kF32, {4});
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat,
                          {"duplicate tensor name 'blk.0.attn_q.weight'"}));
}

TEST(GgufTensorErrors, NameLength) {
    GgufWriter ok;
    ok.add_tensor(std::string(63, 'n'), kF32, {1});
    EXPECT_TRUE(parse_status(ok.build_image()).is_ok());
    GgufWriter too_long;
    too_long.add_tensor(std::string(64, 'n'), kF32, {1});
    EXPECT_TRUE(has_error(parse_status(too_long.build_image()), StatusCode::kBadFormat,
                          {"tensor info #0", "tensor name length 64", "[0, 63]"}));
    GgufWriter empty;
    empty.add_tensor("", kF32, {1});
    EXPECT_TRUE(has_error(parse_status(empty.build_image()), StatusCode::kBadFormat, {"tensor name is empty"}));
}

TEST(GgufTensorErrors, NDimsOutOfRange) {
    GgufWriter zero;
    zero.add_tensor("scalar", kF32, {}, 4);
    EXPECT_TRUE(has_error(parse_status(zero.build_image()), StatusCode::kBadFormat, {"'scalar'", "n_dims 0", "[1, 4]"}));
    GgufWriter five;
    five.add_tensor("five_d", kF32, {1, 1, 1, 1, 1});
    EXPECT_TRUE(has_error(parse_status(five.build_image()), StatusCode::kBadFormat, {"'five_d'", "n_dims 5", "[1, 4]"}));
}

TEST(GgufTensorErrors, EmptyAndNegativeDims) {
    GgufWriter zero;
    zero.add_tensor("empty", kF32, {4, 0}, 0);
    EXPECT_TRUE(has_error(parse_status(zero.build_image()), StatusCode::kBadFormat, {"'empty'", "ne[1] is 0"}));
    GgufWriter negative;  // ggml stores ne as int64: the top bit set means a negative count
    negative.add_tensor("neg", kF32, {1ull << 63}, 4);
    EXPECT_TRUE(has_error(parse_status(negative.build_image()), StatusCode::kBadFormat, {"'neg'", "ne[0]", "out of range"}));
}

TEST(GgufTensorErrors, ElementCountAndByteSizeOverflow) {
    GgufWriter elements;
    elements.add_tensor("huge", kF32, {1ull << 32, 1ull << 32}, 4);
    EXPECT_TRUE(has_error(parse_status(elements.build_image()), StatusCode::kBadFormat, {"'huge'", "overflows int64"}));
    GgufWriter bytes;  // 2^62 elements fit int64, 2^64 bytes do not fit uint64
    bytes.add_tensor("huge_bytes", kF32, {1ull << 62}, 4);
    EXPECT_TRUE(has_error(parse_status(bytes.build_image()), StatusCode::kBadFormat, {"'huge_bytes'", "byte size"}));
    GgufWriter big;  // representable but far larger than the file
    big.add_tensor("big", kF32, {1ull << 20, 1ull << 20}, 4);
    EXPECT_TRUE(has_error(parse_status(big.build_image()), StatusCode::kBadFormat, {"'big'", "outside the file"}));
}

TEST(GgufTensorErrors, RowNotAMultipleOfTheBlockSize) {
    GgufWriter w;
    w.add_tensor("blk.0.attn_q.weight", kQ4_0, {48, 2}, 36);
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat,
                          {"'blk.0.attn_q.weight'", "q4_0", "ne[0] = 48", "block size 32"}));
    GgufWriter k;  // K-quant rows are whole 256-value super-blocks
    k.add_tensor("blk.0.ffn_down_exps.weight", (uint32_t)GgmlType::kQ4_K, {128, 2}, 144);
    EXPECT_TRUE(has_error(parse_status(k.build_image()), StatusCode::kBadFormat,
                          {"'blk.0.ffn_down_exps.weight'", "q4_K", "ne[0] = 128", "block size 256"}));
}

TEST(GgufTensorErrors, UnsupportedTypeNamesTensorAndType) {
    GgufWriter w;
    w.add_tensor("token_embd.weight", kF32, {32});
    w.add_tensor("blk.0.ffn_down_exps.weight", 11 /* q3_K */, {256, 4}, 4 * 110);
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kUnsupported,
                          {"'blk.0.ffn_down_exps.weight'", "q3_K"}));
    GgufWriter unknown;
    unknown.add_tensor("t", 1000, {4}, 4);
    EXPECT_TRUE(has_error(parse_status(unknown.build_image()), StatusCode::kUnsupported, {"'t'", "type 1000"}));
}

TEST(GgufTensorErrors, OffsetOutsideTheFile) {
    GgufWriter w;
    w.add_tensor("a", kF32, {8});
    w.tensor(0).offset_override = 1ull << 40;
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat, {"'a'", "outside the file"}));
    GgufWriter wrap;  // data_offset + offset wraps around uint64
    wrap.add_tensor("wrap", kF32, {8});
    wrap.tensor(0).offset_override = ~0ull - 31;
    EXPECT_TRUE(has_error(parse_status(wrap.build_image()), StatusCode::kBadFormat, {"'wrap'", "outside the file"}));
}

TEST(GgufTensorErrors, MisalignedOffset) {
    GgufWriter w;
    w.add_tensor("a", kF32, {8});
    w.add_tensor("b", kF32, {8});
    w.tensor(1).offset_override = 48;
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat,
                          {"'b'", "offset 48", "general.alignment 32"}));
}

TEST(GgufTensorErrors, OverlappingTensors) {
    GgufWriter w;
    w.add_tensor("first", kF32, {16});   // bytes [0, 64)
    w.add_tensor("second", kF32, {16});
    w.add_tensor("third", kF32, {16});
    w.tensor(2).offset_override = 32;     // [32, 96) overlaps "first" and "second"
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat, {"'first'", "'third'", "overlap"}));
    GgufWriter same;
    same.add_tensor("x", kF32, {8});
    same.add_tensor("y", kF32, {8});
    same.tensor(1).offset_override = 0;
    EXPECT_TRUE(has_error(parse_status(same.build_image()), StatusCode::kBadFormat, {"'x'", "'y'", "overlap"}));
}

TEST(GgufTensorErrors, AnyOrderOfAlignedDisjointTensorsIsFine) {
    GgufWriter w;
    w.add_tensor("late", kF32, {8});
    w.add_tensor("early", kF32, {8});
    w.tensor(0).offset_override = 32;
    w.tensor(1).offset_override = 0;
    auto f = parse(w.build_image());
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    EXPECT_EQ(f.value()->find_tensor("late")->file_offset, f.value()->data_offset() + 32);
}

}  // namespace
}  // namespace moevk::test
