// gguf_header_errors_test.cpp — malformed headers and metadata: magic, version, absurd counts and lengths
// (which must fail fast, without allocating), duplicate or invalid keys, alignment, truncation at every byte.
#include <chrono>

#include "format_test_util.h"

namespace moevk::test {
namespace {

using gen::GgufType;
using gen::GgufWriter;

// Hostile counts must be refused from the header alone: no allocation, no long loop.
class FailsFast {
public:
    FailsFast() : start_(std::chrono::steady_clock::now()) {}
    ~FailsFast() {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        EXPECT_LT(s, 0.5) << "a hostile count took " << s << " s to refuse";
    }

private:
    std::chrono::steady_clock::time_point start_;
};

TEST(GgufHeaderErrors, BadMagic) {
    GgufWriter w;
    w.set_magic("GGML");
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat, {"test.gguf", "magic", "GGML"}));
    EXPECT_TRUE(has_error(parse_status({}), StatusCode::kBadFormat, {"magic"}));
    EXPECT_TRUE(has_error(parse_status({'G', 'G'}), StatusCode::kBadFormat, {"magic", "truncated"}));
}

TEST(GgufHeaderErrors, UnsupportedVersions) {
    for (uint32_t v : {0u, 1u, 4u, 1000u}) {
        GgufWriter w;
        w.set_version(v);
        EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kVersion, {"version " + std::to_string(v)}));
    }
    GgufWriter swapped;
    swapped.set_version(0x03000000u);  // a big-endian v3 file read on a little-endian host
    EXPECT_TRUE(has_error(parse_status(swapped.build_image()), StatusCode::kVersion, {"byte-swapped"}));
}

TEST(GgufHeaderErrors, AbsurdCountsFailFast) {
    FailsFast timer;
    GgufWriter kv;
    kv.add_u32("a", 1);
    kv.set_n_kv_override(1ull << 62);
    EXPECT_TRUE(has_error(parse_status(kv.build_image()), StatusCode::kBadFormat, {"n_kv", "out of range"}));
    GgufWriter tensors;
    tensors.set_n_tensors_override(1ull << 62);
    EXPECT_TRUE(has_error(parse_status(tensors.build_image()), StatusCode::kBadFormat, {"n_tensors", "out of range"}));
    GgufWriter all_ones;
    all_ones.set_n_kv_override(~0ull);
    all_ones.set_n_tensors_override(~0ull);
    EXPECT_TRUE(has_error(parse_status(all_ones.build_image()), StatusCode::kBadFormat, {"out of range"}));
    // A count that fits the header bound but not the bytes actually there: truncation, found while reading.
    GgufWriter more;
    more.add_u32("a", 1);
    more.set_n_kv_override(2);
    EXPECT_TRUE(has_error(parse_status(more.build_image()), StatusCode::kBadFormat, {"entry #1"}));
}

TEST(GgufHeaderErrors, AbsurdStringAndArrayLengthsFailFast) {
    FailsFast timer;
    std::vector<uint8_t> huge_string;
    GgufWriter::put_u64(huge_string, 1ull << 62);
    GgufWriter s;
    s.add_raw("general.name", (uint32_t)GgufType::kString, huge_string);
    EXPECT_TRUE(has_error(parse_status(s.build_image()), StatusCode::kBadFormat, {"general.name", "string value"}));

    for (uint32_t elem : {(uint32_t)GgufType::kU8, (uint32_t)GgufType::kString, (uint32_t)GgufType::kArray}) {
        std::vector<uint8_t> huge_array;
        GgufWriter::put_u32(huge_array, elem);
        GgufWriter::put_u64(huge_array, 1ull << 62);
        GgufWriter a;
        a.add_raw("tokenizer.ggml.tokens", (uint32_t)GgufType::kArray, huge_array);
        EXPECT_TRUE(has_error(parse_status(a.build_image()), StatusCode::kBadFormat,
                              {"tokenizer.ggml.tokens", "array length", "out of range"}));
    }
    // Key length and tensor-name length are bounded too.
    std::vector<uint8_t> image = GgufWriter().header_bytes();
    image.resize(24);
    image[16] = 1;  // n_kv = 1
    GgufWriter::put_u64(image, 1ull << 62);
    image.resize(image.size() + 64, 0);  // enough bytes left that n_kv = 1 passes the header bound
    EXPECT_TRUE(has_error(parse_status(image), StatusCode::kBadFormat, {"metadata key length", "65535"}));
}

TEST(GgufHeaderErrors, ArraysNestedTooDeep) {
    std::vector<uint8_t> v;
    for (int depth = 0; depth < 5; ++depth) {
        GgufWriter::put_u32(v, (uint32_t)GgufType::kArray);
        GgufWriter::put_u64(v, 1);
    }
    GgufWriter w;
    w.add_raw("deep", (uint32_t)GgufType::kArray, v);
    EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat, {"deep", "nested"}));
}

TEST(GgufHeaderErrors, UnknownValueTypes) {
    GgufWriter scalar;
    scalar.add_raw("weird", 13, {0, 0, 0, 0});
    EXPECT_TRUE(has_error(parse_status(scalar.build_image()), StatusCode::kBadFormat, {"weird", "value type 13"}));
    std::vector<uint8_t> arr;
    GgufWriter::put_u32(arr, 99);
    GgufWriter::put_u64(arr, 0);
    GgufWriter array;
    array.add_raw("weird.arr", (uint32_t)GgufType::kArray, arr);
    EXPECT_TRUE(has_error(parse_status(array.build_image()), StatusCode::kBadFormat, {"weird.arr", "element type 99"}));
}

TEST(GgufHeaderErrors, DuplicateAndInvalidKeys) {
    GgufWriter dup;
    dup.add_u32("qwen3moe.block_count", 2);
    dup.add_u32("other", 1);
    dup.add_u32("qwen3moe.block_count", 3);
    EXPECT_TRUE(has_error(parse_status(dup.build_image()), StatusCode::kBadFormat,
                          {"duplicate metadata key 'qwen3moe.block_count'"}));
    GgufWriter empty;
    empty.add_u32("", 1);
    EXPECT_TRUE(has_error(parse_status(empty.build_image()), StatusCode::kBadFormat, {"key is empty"}));
    GgufWriter nul;
    nul.add_u32(std::string("ab\0c", 4), 1);
    EXPECT_TRUE(has_error(parse_status(nul.build_image()), StatusCode::kBadFormat, {"NUL"}));
}

TEST(GgufHeaderErrors, Alignment) {
    GgufWriter wrong_type;
    wrong_type.add_u64("general.alignment", 32);
    EXPECT_TRUE(has_error(parse_status(wrong_type.build_image()), StatusCode::kBadFormat,
                          {"general.alignment", "u64", "u32"}));
    for (uint32_t a : {0u, 48u, 3u}) {
        GgufWriter w;
        w.add_u32("general.alignment", a);
        EXPECT_TRUE(has_error(parse_status(w.build_image()), StatusCode::kBadFormat,
                              {"general.alignment " + std::to_string(a), "power of two"}));
    }
}

// Every prefix of a valid file is refused until the last tensor's bytes are complete, never crashes.
TEST(GgufHeaderErrors, TruncatedAtEveryLengthOfTheHeader) {
    TinyModel m;
    const std::vector<uint8_t> image = m.image(true);
    auto full = parse(image);
    ASSERT_TRUE(full.is_ok()) << full.status().message();
    uint64_t data_end = 0;
    for (const auto &t : full.value()->tensors()) data_end = std::max(data_end, t.file_offset + t.size_bytes);
    const uint64_t header_end = full.value()->data_offset();
    std::vector<uint64_t> lengths;
    for (uint64_t n = 0; n <= header_end + 64; ++n) lengths.push_back(n);         // every header byte
    for (uint64_t n = header_end + 64; n < image.size(); n += 997) lengths.push_back(n);  // sampled data
    for (uint64_t n = data_end - 40; n <= image.size(); ++n) lengths.push_back(n);      // around the end
    for (uint64_t n : lengths) {
        const std::vector<uint8_t> prefix(image.begin(), image.begin() + (ptrdiff_t)n);
        const Status s = parse_status(prefix);
        if (n >= data_end) {
            EXPECT_TRUE(s.is_ok()) << "length " << n << ": " << s.message();
        } else {
            ASSERT_EQ(s.code(), StatusCode::kBadFormat) << "length " << n << ": " << s.message();
            ASSERT_FALSE(s.message().empty());
        }
    }
}

// Random byte corruption of the header never crashes and only yields the documented codes.
TEST(GgufHeaderErrors, RandomCorruptionIsAnErrorNotACrash) {
    TinyModel m;
    const std::vector<uint8_t> image = m.image();
    const uint64_t header_bytes = m.writer.header_bytes().size();
    uint64_t state = 12345;
    auto next = [&] { state = state * 6364136223846793005ull + 1442695040888963407ull; return state >> 33; };
    int ok = 0;
    for (int iter = 0; iter < 1500; ++iter) {
        std::vector<uint8_t> bad = image;
        const int n_flips = 1 + (int)(next() % 4);
        for (int k = 0; k < n_flips; ++k) bad[next() % header_bytes] = (uint8_t)next();
        const Status s = parse_status(bad);
        ok += s.is_ok();
        const StatusCode c = s.code();
        ASSERT_TRUE(c == StatusCode::kOk || c == StatusCode::kBadFormat || c == StatusCode::kVersion ||
                    c == StatusCode::kUnsupported)
            << code_name(c) << ": " << s.message();
        if (!s.is_ok()) {
            ASSERT_FALSE(s.message().empty());
        }
    }
    EXPECT_LT(ok, 1500);  // most corruptions are caught (some hit bytes of values no rule constrains)
}

}  // namespace
}  // namespace moevk::test
