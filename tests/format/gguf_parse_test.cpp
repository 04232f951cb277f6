// gguf_parse_test.cpp — well-formed GGUF images parse to exactly what was written: every value type,
// nested arrays, typed look-ups, alignment, tensor placement; and GgufFile::open maps real files.
#include <cstdio>
#include <cstring>
#include <fstream>

#include "format_test_util.h"

namespace moevk::test {
namespace {

using gen::GgufWriter;
using model::GgmlType;
using model::GgufValueType;

TEST(GgufParse, EveryScalarTypeRoundTrips) {
    GgufWriter w;
    w.add_u8("a.u8", 200);
    w.add_u32("a.u32", 4000000000u);
    w.add_i32("a.i32", -7);
    w.add_u64("a.u64", 1ull << 63);
    w.add_i64("a.i64", -(1ll << 40));
    w.add_f32("a.f32", 0.5f);
    w.add_f64("a.f64", -1.25);
    w.add_bool("a.bool", true);
    w.add_string("a.str", "héllo");
    w.add_raw("a.i16", (uint32_t)gen::GgufType::kI16, {0x00, 0x80});  // -32768, little-endian
    auto f = parse(w.build_image());
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    const model::GgufFile &file = *f.value();
    EXPECT_EQ(file.version(), 3u);
    EXPECT_EQ(file.metadata().size(), 10u);
    EXPECT_EQ(file.metadata()[0].key, "a.u8");
    EXPECT_EQ(*file.get_uint("a.u8").value(), 200u);
    EXPECT_EQ(*file.get_uint("a.u32").value(), 4000000000u);
    EXPECT_EQ(*file.get_uint("a.u64").value(), 1ull << 63);
    EXPECT_EQ(std::get<int64_t>(file.find("a.i32")->value), -7);
    EXPECT_EQ(std::get<int64_t>(file.find("a.i64")->value), -(1ll << 40));
    EXPECT_EQ(std::get<int64_t>(file.find("a.i16")->value), -32768);
    EXPECT_EQ(*file.get_float("a.f32").value(), 0.5);
    EXPECT_EQ(*file.get_float("a.f64").value(), -1.25);
    EXPECT_EQ(*file.get_float("a.u32").value(), 4000000000.0);  // integers are accepted as floats
    EXPECT_EQ(*file.get_bool("a.bool").value(), true);
    EXPECT_EQ(*file.get_string("a.str").value(), "héllo");
    EXPECT_EQ(file.find("a.f32")->type, GgufValueType::kF32);
    EXPECT_FALSE(file.get_uint("absent").value().has_value());
    EXPECT_EQ(file.find("absent"), nullptr);
    EXPECT_TRUE(file.tensors().empty());
    EXPECT_EQ(file.alignment(), 32u);
}

TEST(GgufParse, TypedLookupsRefuseWrongTypes) {
    GgufWriter w;
    w.add_string("k.str", "x");
    w.add_i32("k.neg", -1);
    w.add_f32("k.f", 1.0f);
    auto f = parse(w.build_image());
    ASSERT_TRUE(f.is_ok());
    EXPECT_TRUE(has_error(f.value()->get_uint("k.str").status(), StatusCode::kBadFormat, {"k.str", "string"}));
    EXPECT_TRUE(has_error(f.value()->get_uint("k.neg").status(), StatusCode::kBadFormat, {"k.neg", "-1"}));
    EXPECT_TRUE(has_error(f.value()->get_uint("k.f").status(), StatusCode::kBadFormat, {"k.f", "f32"}));
    EXPECT_TRUE(has_error(f.value()->get_string("k.f").status(), StatusCode::kBadFormat, {"k.f"}));
    EXPECT_TRUE(has_error(f.value()->get_bool("k.str").status(), StatusCode::kBadFormat, {"k.str"}));
    EXPECT_TRUE(has_error(f.value()->get_float("k.str").status(), StatusCode::kBadFormat, {"k.str"}));
}

TEST(GgufParse, ArraysIncludingNestedOnes) {
    GgufWriter w;
    w.add_string_array("arr.s", {"a", "", "ccc"});
    w.add_i32_array("arr.i", {1, -2, 3});
    w.add_f32_array("arr.f", {0.25f, -4.0f});
    // [[1, 2], []] of u8: element type array, 2 arrays.
    std::vector<uint8_t> nested;
    GgufWriter::put_u32(nested, (uint32_t)gen::GgufType::kArray);
    GgufWriter::put_u64(nested, 2);
    GgufWriter::put_u32(nested, (uint32_t)gen::GgufType::kU8);
    GgufWriter::put_u64(nested, 2);
    nested.push_back(1);
    nested.push_back(2);
    GgufWriter::put_u32(nested, (uint32_t)gen::GgufType::kU8);
    GgufWriter::put_u64(nested, 0);
    w.add_raw("arr.nested", (uint32_t)gen::GgufType::kArray, nested);
    auto f = parse(w.build_image());
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    const auto &s = std::get<model::GgufArray>(f.value()->find("arr.s")->value);
    EXPECT_EQ(s.elem_type, GgufValueType::kString);
    EXPECT_EQ(s.strings, (std::vector<std::string>{"a", "", "ccc"}));
    const auto &i = std::get<model::GgufArray>(f.value()->find("arr.i")->value);
    EXPECT_EQ(i.ints, (std::vector<int64_t>{1, -2, 3}));
    EXPECT_EQ(i.size(), 3u);
    const auto &fl = std::get<model::GgufArray>(f.value()->find("arr.f")->value);
    EXPECT_EQ(fl.floats, (std::vector<double>{0.25, -4.0}));
    const auto &n = std::get<model::GgufArray>(f.value()->find("arr.nested")->value);
    ASSERT_EQ(n.elem_type, GgufValueType::kArray);
    ASSERT_EQ(n.arrays.size(), 2u);
    EXPECT_EQ(n.arrays[0].ints, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(n.arrays[1].size(), 0u);
}

TEST(GgufParse, TensorsArePlacedExactly) {
    GgufWriter w(64);
    w.add_u32("general.alignment", 64);
    w.add_string("general.name", "t");
    w.add_tensor("a", (uint32_t)GgmlType::kF32, {3});
    w.add_tensor("b", (uint32_t)GgmlType::kQ4_0, {64, 2, 3});
    w.add_tensor("c", (uint32_t)GgmlType::kBF16, {5, 1, 1, 2});
    const std::vector<uint8_t> image = w.build_image([](size_t i, uint8_t *dst, uint64_t size) {
        for (uint64_t k = 0; k < size; ++k) dst[k] = (uint8_t)(i * 50 + k);
    });
    auto f = parse(image);
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    const model::GgufFile &file = *f.value();
    EXPECT_EQ(file.alignment(), 64u);
    EXPECT_EQ(file.data_offset() % 64, 0u);
    EXPECT_EQ(file.data_offset(), w.header_bytes().size());
    ASSERT_EQ(file.tensors().size(), 3u);
    const model::TensorInfo *b = file.find_tensor("b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->type, GgmlType::kQ4_0);
    EXPECT_EQ(b->n_dims, 3u);
    EXPECT_EQ(b->ne[0], 64u);
    EXPECT_EQ(b->ne[1], 2u);
    EXPECT_EQ(b->ne[2], 3u);
    EXPECT_EQ(b->ne[3], 1u);
    EXPECT_EQ(b->n_elements(), 384u);
    EXPECT_EQ(b->row_bytes(), 36u);
    EXPECT_EQ(b->size_bytes, 36u * 6);
    EXPECT_EQ(b->slice_bytes(), 72u);
    EXPECT_EQ(b->file_offset, file.data_offset() + 64);  // "a" (12 bytes) padded to 64
    EXPECT_EQ(file.tensor_data(*b), image.data() + b->file_offset);
    EXPECT_EQ(file.tensor_data(*b)[0], 50);
    const model::TensorInfo *c = file.find_tensor("c");
    EXPECT_EQ(c->n_dims, 4u);
    EXPECT_EQ(c->size_bytes, 20u);
    EXPECT_EQ(file.find_tensor("d"), nullptr);
}

TEST(GgufParse, VersionTwoIsAccepted) {
    GgufWriter w;
    w.set_version(2);
    w.add_tensor("x", (uint32_t)GgmlType::kF16, {4});
    auto f = parse(w.build_image());
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    EXPECT_EQ(f.value()->version(), 2u);
}

TEST(GgufParse, LastTensorNeedsNoTrailingPadding) {
    GgufWriter w;
    w.add_tensor("x", (uint32_t)GgmlType::kF32, {3});
    std::vector<uint8_t> image = w.build_image();
    image.resize(image.size() - (32 - 12));  // cut the padding after the 12 data bytes
    EXPECT_TRUE(parse_status(image).is_ok());
    image.pop_back();
    EXPECT_TRUE(has_error(parse_status(image), StatusCode::kBadFormat, {"'x'", "outside the file"}));
}

std::string write_temp(const std::string &name, const std::vector<uint8_t> &bytes) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()), (std::streamsize)bytes.size());
    return path;
}

TEST(GgufOpen, MapsAndValidatesRealFiles) {
    TinyModel m;
    const std::vector<uint8_t> image = m.image(true);
    const std::string path = write_temp("moevk_open_ok.gguf", image);
    auto f = model::GgufFile::open(path);
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    EXPECT_EQ(f.value()->path(), path);
    EXPECT_EQ(f.value()->file_size(), image.size());
    EXPECT_EQ(0, std::memcmp(f.value()->mapped_base(), image.data(), image.size()));
    std::remove(path.c_str());
}

TEST(GgufOpen, ReportsIoAndEmptyFiles) {
    EXPECT_TRUE(has_error(model::GgufFile::open("/nonexistent/x.gguf").status(), StatusCode::kIo, {"/nonexistent/x.gguf"}));
    EXPECT_TRUE(has_error(model::GgufFile::open(::testing::TempDir()).status(), StatusCode::kIo, {"not a regular file"}));
    const std::string empty = write_temp("moevk_empty.gguf", {});
    EXPECT_TRUE(has_error(model::GgufFile::open(empty).status(), StatusCode::kBadFormat, {"empty"}));
    const std::string bad = write_temp("moevk_bad.gguf", {'G', 'G', 'U', 'F', 9, 0, 0, 0});
    EXPECT_TRUE(has_error(model::GgufFile::open(bad).status(), StatusCode::kVersion, {"moevk_bad.gguf", "version 9"}));
    std::remove(empty.c_str());
    std::remove(bad.c_str());
}

}  // namespace
}  // namespace moevk::test
