// gpu_env.h — the one Vulkan device the oracle tests share (opened once per test process, since opening
// one costs lavapipe ~100 ms), and small helpers to move float/int vectors in and out of buffers.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "core/status.h"
#include "device_required.h"
#include "vulkan/buffer.h"
#include "vulkan/command_stream.h"
#include "vulkan/device.h"

namespace moevk::test {

struct GpuEnv {
    std::unique_ptr<vulkan::Device> device;
    std::unique_ptr<vulkan::CommandStream> stream;
    Status status;  // why there is no device
};

// The shared device and stream; device is null when none could be opened (status says why).
GpuEnv &gpu_env();

// Device buffer holding data (at least 4 bytes).
std::unique_ptr<vulkan::Buffer> upload_bytes(const void *data, size_t size, const char *name);
template <typename T>
std::unique_ptr<vulkan::Buffer> upload_vector(const std::vector<T> &v, const char *name) {
    return upload_bytes(v.data(), v.size() * sizeof(T), name);
}
// Zero-filled device buffer of size bytes.
std::unique_ptr<vulkan::Buffer> zero_buffer(size_t size, const char *name);
template <typename T>
std::vector<T> download_vector(const vulkan::Buffer &b, size_t n) {
    std::vector<T> v(n);
    Status s = b.download(0, v.data(), n * sizeof(T));
    if (!s.is_ok()) ADD_FAILURE() << s.message();
    return v;
}

}  // namespace moevk::test

// Opens (or reuses) the shared device; skips or fails the test when there is none.
#define MOEVK_GPU_ENV_OR_SKIP(env)                                                    \
    ::moevk::test::GpuEnv &env = ::moevk::test::gpu_env();                            \
    if (!env.device) MOEVK_SKIP_OR_FAIL_WITHOUT_DEVICE(env.status)
