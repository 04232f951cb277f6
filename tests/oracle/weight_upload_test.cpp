// weight_upload_test.cpp — the parallel file-to-device upload of a model load (session/weight_upload.h):
// the bytes on the device equal the file's for several thread counts, mapped and staged, with pieces and
// staging rings small enough to wrap around many times; a short read and a range outside its buffer are
// clear errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "oracle/gpu_env.h"
#include "session/weight_upload.h"

namespace moevk::test {
namespace {

// A temporary file of n seeded random bytes, removed with the object.
struct TempFile {
    std::string path;
    std::vector<uint8_t> bytes;
    explicit TempFile(size_t n) {
        path = ::testing::TempDir() + "moevk_weight_upload_" + std::to_string(::getpid()) + ".bin";
        std::mt19937 rng(7);
        bytes.resize(n);
        for (uint8_t &b : bytes) b = (uint8_t)rng();
        std::ofstream(path, std::ios::binary).write((const char *)bytes.data(), (std::streamsize)n);
    }
    ~TempFile() { std::remove(path.c_str()); }
};

std::unique_ptr<experts::ExpertFile> open_file(const std::string &path) {
    auto f = experts::ExpertFile::open(path, false);
    EXPECT_TRUE(f.is_ok()) << f.status().message();
    return f.is_ok() ? std::move(f).value() : nullptr;
}

TEST(WeightUpload, DeviceBytesEqualTheFile) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    TempFile file(300'001);
    auto ef = open_file(file.path);
    ASSERT_NE(ef, nullptr);
    // (file offset, size) copies into two buffers, back to back, at odd offsets and lengths
    struct Range {
        uint64_t file_offset, size;
    };
    const std::vector<Range> a_ranges = {{0, 1}, {17, 40'003}, {123'457, 99'999}}, b_ranges = {{299'000, 1'001}, {5, 150'000}};
    for (bool staging : {false, true}) {
        for (uint32_t threads : {1u, 2u, 5u}) {
            for (uint64_t piece : {4096ull, 65'536ull, 1ull << 20}) {
                SCOPED_TRACE(std::string(staging ? "staged" : "mapped") + ", threads " + std::to_string(threads) +
                             ", piece " + std::to_string(piece));
                session::WeightUploadOptions opts;
                opts.threads = threads;
                opts.piece_bytes = piece;
                opts.staging_buffers = 2;  // a 4 KiB piece: the ring wraps dozens of times per thread
                opts.force_staging = staging;
                session::WeightUploads up(*env.device, opts);
                std::vector<std::unique_ptr<vulkan::Buffer>> bufs;
                std::vector<std::vector<uint8_t>> expected;
                for (const std::vector<Range> *ranges : {&a_ranges, &b_ranges}) {
                    std::vector<uint8_t> want;
                    for (const Range &r : *ranges) want.insert(want.end(), file.bytes.begin() + r.file_offset,
                                                               file.bytes.begin() + r.file_offset + r.size);
                    auto buf = vulkan::Buffer::create(*env.device, want.size(), vulkan::MemoryUse::kDevice, "upload test");
                    ASSERT_TRUE(buf.is_ok()) << buf.status().message();
                    uint64_t at = 0;
                    for (const Range &r : *ranges) {
                        up.add(buf.value().get(), at, r.file_offset, r.size, "range at " + std::to_string(r.file_offset));
                        at += r.size;
                    }
                    bufs.push_back(std::move(buf).value());
                    expected.push_back(std::move(want));
                }
                EXPECT_EQ(up.queued_bytes(), expected[0].size() + expected[1].size());
                Status s = up.run(*ef);
                ASSERT_TRUE(s.is_ok()) << s.message();
                EXPECT_EQ(up.queued_bytes(), 0u);  // run() forgets what it did
                for (size_t i = 0; i < bufs.size(); ++i)
                    EXPECT_TRUE(download_vector<uint8_t>(*bufs[i], expected[i].size()) == expected[i]) << "buffer " << i;
            }
        }
    }
}

TEST(WeightUpload, ShortReadNamesWhatAndWhere) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    TempFile file(10'000);
    auto ef = open_file(file.path);
    ASSERT_NE(ef, nullptr);
    for (bool staging : {false, true}) {
        session::WeightUploadOptions opts;
        opts.threads = 3;
        opts.piece_bytes = 1024;
        opts.force_staging = staging;
        session::WeightUploads up(*env.device, opts);
        auto buf = vulkan::Buffer::create(*env.device, 20'000, vulkan::MemoryUse::kDevice, "short");
        ASSERT_TRUE(buf.is_ok());
        up.add(buf.value().get(), 0, 0, 9'000, "head");
        up.add(buf.value().get(), 9'000, 9'000, 11'000, "blk.3.ffn_up_exps");  // past the file's end
        Status s = up.run(*ef);
        ASSERT_EQ(s.code(), StatusCode::kIo) << s.message();
        EXPECT_NE(s.message().find("short read"), std::string::npos) << s.message();
        EXPECT_NE(s.message().find("blk.3.ffn_up_exps"), std::string::npos) << s.message();
        EXPECT_NE(s.message().find(file.path), std::string::npos) << s.message();
    }
}

TEST(WeightUpload, RangeOutsideItsBufferIsRefusedBeforeAnyRead) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    TempFile file(4096);
    auto ef = open_file(file.path);
    ASSERT_NE(ef, nullptr);
    session::WeightUploads up(*env.device, {});
    auto buf = vulkan::Buffer::create(*env.device, 1024, vulkan::MemoryUse::kDevice, "small");
    ASSERT_TRUE(buf.is_ok());
    ASSERT_TRUE(buf.value()->fill_zero().is_ok());
    up.add(buf.value().get(), 0, 0, 512, "fits");
    up.add(buf.value().get(), 1000, 0, 100, "does not fit");
    Status s = up.run(*ef);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArg) << s.message();
    // nothing was read: the buffer still holds zeros
    EXPECT_TRUE(download_vector<uint8_t>(*buf.value(), 1024) == std::vector<uint8_t>(1024, 0));
}

}  // namespace
}  // namespace moevk::test
