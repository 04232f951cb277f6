// gpu_env.cpp — the shared test device (see gpu_env.h).
#include "oracle/gpu_env.h"

namespace moevk::test {

GpuEnv &gpu_env() {
    static GpuEnv env = [] {
        GpuEnv e;
        auto dev = vulkan::Device::open(vulkan::DeviceOptions{});
        if (!dev.is_ok()) {
            e.status = dev.status();
            return e;
        }
        e.device = std::move(dev).value();
        auto stream = vulkan::CommandStream::create(*e.device);
        if (!stream.is_ok()) {
            e.status = stream.status();
            e.device.reset();
            return e;
        }
        e.stream = std::move(stream).value();
        return e;
    }();
    return env;
}

std::unique_ptr<vulkan::Buffer> upload_bytes(const void *data, size_t size, const char *name) {
    auto b = vulkan::Buffer::create(*gpu_env().device, size, vulkan::MemoryUse::kDevice, name);
    if (!b.is_ok()) {
        ADD_FAILURE() << b.status().message();
        return nullptr;
    }
    Status s = b.value()->fill_zero();
    if (s.is_ok()) s = b.value()->upload(0, data, size);
    if (!s.is_ok()) ADD_FAILURE() << s.message();
    return std::move(b).value();
}

std::unique_ptr<vulkan::Buffer> zero_buffer(size_t size, const char *name) {
    std::vector<uint8_t> zeros(size, 0);
    return upload_bytes(zeros.data(), size, name);
}

}  // namespace moevk::test
