// weight_upload.h — the file-to-device copies of a model load, queued while the buffers are created and
// then run together by several reader threads. Each thread takes the next piece (file order) and preads it
// straight into the buffer when the memory is mappable (lavapipe, resizable BAR), else into its own ring of
// persistently mapped staging buffers whose copies are submitted without waiting. Reads come from the
// file with pread, not the mapping, so a file truncated while it loads is an error rather than SIGBUS.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "experts/expert_file.h"
#include "vulkan/buffer.h"
#include "vulkan/device.h"

namespace moevk::session {

struct WeightUploadOptions {
    uint32_t threads = 0;                   // reader threads; 0: min(8, hardware threads)
    uint64_t piece_bytes = 8ull << 20;      // one read, one staging buffer, one copy
    uint32_t staging_buffers = 3;           // ring size per thread
    bool force_staging = false;             // tests: stage even into mappable memory
};

class WeightUploads {
public:
    WeightUploads(const vulkan::Device &device, WeightUploadOptions options)
        : device_(device), options_(options) {}

    const vulkan::Device &device() const { return device_; }
    // Queues size bytes of the file at file_offset for dst at dst_offset; what names them in errors. The
    // buffer must outlive run().
    void add(vulkan::Buffer *dst, uint64_t dst_offset, uint64_t file_offset, uint64_t size, std::string what);
    uint64_t queued_bytes() const;
    // Runs every queued copy and forgets them; returns once all are done and visible to kernels. Errors:
    // kIo (naming what and the file offset), kOutOfMemory (staging), kDevice. On an error nothing is
    // left running; the destination buffers hold partial data.
    Status run(const experts::ExpertFile &file);

private:
    struct Copy {
        vulkan::Buffer *dst;
        uint64_t dst_offset, file_offset, size;
        std::string what;
    };
    const vulkan::Device &device_;
    WeightUploadOptions options_;
    std::vector<Copy> copies_;
};

}  // namespace moevk::session
