// runtime_test.cpp — the Vulkan runtime on its own: device choice errors, buffer round trips, the
// GPU-side zero fill, the smoke_fill kernel, barrier insertion, binding-chunk planning and feature checks.
#include <gtest/gtest.h>

#include <numeric>

#include "oracle/gpu_env.h"
#include "vulkan/binding_chunks.h"
#include "vulkan/pipeline.h"
#include "vulkan/transfer.h"

namespace moevk::test {
namespace {

using vulkan::Access;
using vulkan::BufferBinding;

TEST(Runtime, DeviceInfoIsPlausible) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    const vulkan::DeviceInfo &info = env.device->info();
    EXPECT_FALSE(info.name.empty());
    EXPECT_GE(info.subgroup_size, 1u);
    EXPECT_GE(info.max_storage_buffer_range, 1u << 20);
    EXPECT_GE(info.max_push_constants_bytes, 128u);
    EXPECT_GE(env.device->binding_alignment(), 16u);
    EXPECT_LE(env.device->max_binding_bytes(), info.max_storage_buffer_range);
}

TEST(Runtime, UnknownDeviceNameIsDeviceError) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.name_substring = "no-such-gpu-name";
    auto dev = vulkan::Device::open(opts);
    ASSERT_FALSE(dev.is_ok());
    EXPECT_EQ(dev.status().code(), StatusCode::kDevice);
    EXPECT_NE(dev.status().message().find("no-such-gpu-name"), std::string::npos);
    opts = {};
    opts.index = 1000;
    dev = vulkan::Device::open(opts);
    ASSERT_FALSE(dev.is_ok());
    EXPECT_EQ(dev.status().code(), StatusCode::kDevice);
}

TEST(Runtime, BufferRoundTrip) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (vulkan::MemoryUse use : {vulkan::MemoryUse::kDevice, vulkan::MemoryUse::kUpload, vulkan::MemoryUse::kReadback}) {
        auto b = vulkan::Buffer::create(*env.device, 1001, use, "roundtrip");
        ASSERT_TRUE(b.is_ok()) << b.status().message();
        EXPECT_EQ(b.value()->size_bytes(), 1004u);
        std::vector<uint8_t> in(1001), out(1001, 0);
        for (size_t i = 0; i < in.size(); ++i) in[i] = (uint8_t)(i * 37 + 11);
        ASSERT_TRUE(b.value()->upload(0, in.data(), in.size()).is_ok());
        ASSERT_TRUE(b.value()->download(0, out.data(), out.size()).is_ok());
        EXPECT_EQ(in, out);
        // a partial range at an odd offset
        uint8_t part[5] = {0};
        ASSERT_TRUE(b.value()->download(13, part, 5).is_ok());
        EXPECT_EQ(0, std::memcmp(part, in.data() + 13, 5));
        Status bad = b.value()->upload(1000, in.data(), 10);
        EXPECT_EQ(bad.code(), StatusCode::kInvalidArg);
    }
}

// fill_zero runs on the GPU for every memory type (a memset through a PCIe BAR would crawl): every byte
// of what was there, the rounded-up tail word included, reads back as zero.
TEST(Runtime, FillZeroClearsEveryByte) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    for (vulkan::MemoryUse use : {vulkan::MemoryUse::kDevice, vulkan::MemoryUse::kUpload, vulkan::MemoryUse::kReadback}) {
        auto b = vulkan::Buffer::create(*env.device, 4001, use, "fill");
        ASSERT_TRUE(b.is_ok()) << b.status().message();
        std::vector<uint8_t> in(b.value()->size_bytes(), 0xa5), out(b.value()->size_bytes(), 1);
        ASSERT_TRUE(b.value()->upload(0, in.data(), in.size()).is_ok());
        ASSERT_TRUE(b.value()->fill_zero().is_ok());
        ASSERT_TRUE(b.value()->download(0, out.data(), out.size()).is_ok());
        EXPECT_EQ(out, std::vector<uint8_t>(out.size(), 0));
        EXPECT_EQ(vulkan::fill_buffer_now(*env.device, b.value()->handle(), 2, 8, 0).code(), StatusCode::kInternal);
    }
}

TEST(Runtime, SmokeFillKernel) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::PipelineDesc desc;
    desc.variant = "smoke_fill";
    desc.n_buffers = 1;
    desc.push_constant_bytes = 8;
    desc.workgroup_size = 64;
    auto pipe = vulkan::Pipeline::create(*env.device, desc);
    ASSERT_TRUE(pipe.is_ok()) << pipe.status().message();
    const uint32_t n = 1000;  // not a multiple of the workgroup
    auto y = zero_buffer(4 * (n + 8), "y");
    struct {
        uint32_t n;
        float value;
    } pc{n, 0.5f};
    ASSERT_TRUE(env.stream->begin().is_ok());
    ASSERT_TRUE(env.stream->dispatch(*pipe.value(), {{y.get(), 0, 0, Access::kWrite}}, &pc, sizeof pc,
                                     {(n + 63) / 64, 1, 1}).is_ok());
    ASSERT_TRUE(env.stream->submit_and_wait().is_ok());
    std::vector<float> out = download_vector<float>(*y, n + 8);
    for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(out[i], 0.5f + (float)i) << i;
    for (uint32_t i = n; i < n + 8; ++i) ASSERT_EQ(out[i], 0.0f) << i;  // nothing past n
}

TEST(Runtime, BarriersOnlyBetweenDependentDispatches) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::PipelineDesc desc;
    desc.variant = "smoke_fill";
    desc.n_buffers = 1;
    desc.push_constant_bytes = 8;
    auto pipe = vulkan::Pipeline::create(*env.device, desc);
    ASSERT_TRUE(pipe.is_ok());
    auto a = zero_buffer(4096, "a");
    auto b = zero_buffer(4096, "b");
    struct {
        uint32_t n;
        float value;
    } pc{64, 1.0f};
    vulkan::CommandStream &s = *env.stream;
    ASSERT_TRUE(s.begin().is_ok());
    ASSERT_TRUE(s.dispatch(*pipe.value(), {{a.get(), 0, 256, Access::kWrite}}, &pc, 8, {1, 1, 1}).is_ok());
    ASSERT_TRUE(s.dispatch(*pipe.value(), {{b.get(), 0, 256, Access::kWrite}}, &pc, 8, {1, 1, 1}).is_ok());
    ASSERT_TRUE(s.dispatch(*pipe.value(), {{a.get(), 1024, 256, Access::kWrite}}, &pc, 8, {1, 1, 1}).is_ok());
    EXPECT_EQ(s.n_barriers(), 0u);  // disjoint ranges
    pc.value = 2.0f;
    ASSERT_TRUE(s.dispatch(*pipe.value(), {{a.get(), 0, 256, Access::kWrite}}, &pc, 8, {1, 1, 1}).is_ok());
    EXPECT_EQ(s.n_barriers(), 1u);  // write after write
    ASSERT_TRUE(s.submit_and_wait().is_ok());
    EXPECT_EQ(download_vector<float>(*a, 1)[0], 2.0f);  // the later write wins
}

TEST(Runtime, MisuseIsInternalError) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::PipelineDesc desc;
    desc.variant = "smoke_fill";
    desc.n_buffers = 1;
    desc.push_constant_bytes = 8;
    auto pipe = vulkan::Pipeline::create(*env.device, desc);
    ASSERT_TRUE(pipe.is_ok());
    auto a = zero_buffer(4096, "a");
    uint64_t pc = 0;
    ASSERT_TRUE(env.stream->begin().is_ok());
    // misaligned offset, wrong push size, wrong binding count
    EXPECT_EQ(env.stream->dispatch(*pipe.value(), {{a.get(), 4, 0, Access::kWrite}}, &pc, 8, {1, 1, 1}).code(),
              StatusCode::kInternal);
    EXPECT_EQ(env.stream->dispatch(*pipe.value(), {{a.get(), 0, 0, Access::kWrite}}, &pc, 4, {1, 1, 1}).code(),
              StatusCode::kInternal);
    EXPECT_EQ(env.stream->dispatch(*pipe.value(), {}, &pc, 8, {1, 1, 1}).code(), StatusCode::kInternal);
    ASSERT_TRUE(env.stream->submit_and_wait().is_ok());
    desc.variant = "no_such_kernel";
    EXPECT_EQ(vulkan::Pipeline::create(*env.device, desc).status().code(), StatusCode::kInternal);
}

TEST(Runtime, SubmissionPastTheTimeoutIsDeviceError) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.timeout_ms = 0;  // any wait that is not already over times out
    auto dev = vulkan::Device::open(opts);
    ASSERT_TRUE(dev.is_ok()) << dev.status().message();
    vulkan::PipelineDesc desc;
    desc.variant = "smoke_spin";
    desc.n_buffers = 1;
    desc.push_constant_bytes = 4;
    auto pipe = vulkan::Pipeline::create(*dev.value(), desc);
    ASSERT_TRUE(pipe.is_ok()) << pipe.status().message();
    auto y = vulkan::Buffer::create(*dev.value(), 64 * 256 * 4, vulkan::MemoryUse::kDevice, "y");
    auto stream = vulkan::CommandStream::create(*dev.value());
    ASSERT_TRUE(y.is_ok() && stream.is_ok());
    const uint32_t iterations = 20000;  // ~0.15 s on lavapipe, far longer than submit-to-wait anywhere
    ASSERT_TRUE(stream.value()->begin().is_ok());
    ASSERT_TRUE(stream.value()
                    ->dispatch(*pipe.value(), {{y.value().get(), 0, 0, Access::kWrite}}, &iterations, 4, {256, 1, 1})
                    .is_ok());
    Status s = stream.value()->submit_and_wait();
    EXPECT_EQ(s.code(), StatusCode::kDevice) << s.message();
    EXPECT_NE(s.message().find("did not finish"), std::string::npos) << s.message();
    // the stream, device and buffer are destroyed while the work may still run: they wait for it first
}

TEST(Runtime, MissingFeatureIsUnsupported) {
    MOEVK_GPU_ENV_OR_SKIP(env);
    vulkan::DeviceOptions opts;
    opts.hidden_features = vulkan::kFeatureShaderFloat16;
    auto dev = vulkan::Device::open(opts);
    ASSERT_TRUE(dev.is_ok()) << dev.status().message();
    vulkan::PipelineDesc desc;
    desc.variant = "smoke_fill";
    desc.n_buffers = 1;
    desc.push_constant_bytes = 8;
    desc.required_features = vulkan::kFeatureShaderFloat16;
    auto pipe = vulkan::Pipeline::create(*dev.value(), desc);
    ASSERT_FALSE(pipe.is_ok());
    EXPECT_EQ(pipe.status().code(), StatusCode::kUnsupported);
    EXPECT_NE(pipe.status().message().find("shaderFloat16"), std::string::npos) << pipe.status().message();
}

TEST(Runtime, BindingChunksRespectLimitAndAlignment) {
    vulkan::ChunkPlan p;
    p.buffer_bytes = 18 * 1000 + 4;  // rows of 18 bytes (one q4_0 block) after a 2-byte offset; whole words
    p.start_offset = 2;
    p.n_items = 1000;
    p.item_bytes = 18;
    p.max_binding_bytes = 256;
    p.alignment = 64;
    auto chunks = vulkan::plan_binding_chunks(p);
    ASSERT_TRUE(chunks.is_ok());
    uint64_t next = 0;
    for (const vulkan::BindingChunk &c : chunks.value()) {
        EXPECT_EQ(c.first_item, next);
        EXPECT_GT(c.n_items, 0u);
        EXPECT_EQ(c.bind_offset % 64, 0u);
        EXPECT_LE(c.bind_size, 256u);
        EXPECT_EQ(c.bind_size % 4, 0u);
        EXPECT_EQ(c.bind_offset + c.item_base_byte, p.start_offset + c.first_item * 18);
        EXPECT_LE(c.item_base_byte + c.n_items * 18, c.bind_size);
        EXPECT_LE(c.bind_offset + c.bind_size, p.buffer_bytes);
        next += c.n_items;
    }
    EXPECT_EQ(next, 1000u);
    p.max_binding_bytes = 16;  // one item no longer fits
    EXPECT_EQ(vulkan::plan_binding_chunks(p).status().code(), StatusCode::kUnsupported);
    p.n_items = 0;
    EXPECT_TRUE(vulkan::plan_binding_chunks(p).value().empty());
}

}  // namespace
}  // namespace moevk::test
