// expert_file.cpp — pread loops with length checks (see expert_file.h). O_DIRECT needs offsets, sizes and
// buffers aligned to the device's block size; 4096 covers the usual ones.
#include "experts/expert_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace moevk::experts {
namespace {

constexpr uint64_t kDirectAlign = 4096;

Status pread_all(int fd, uint64_t offset, uint64_t size, uint8_t *dst, uint64_t *got) {
    *got = 0;
    while (*got < size) {
        const ssize_t r = ::pread(fd, dst + *got, (size_t)(size - *got), (off_t)(offset + *got));
        if (r < 0) {
            if (errno == EINTR) continue;
            return io_error(std::string("pread failed: ") + std::strerror(errno));
        }
        if (r == 0) break;  // end of file
        *got += (uint64_t)r;
    }
    return Status::ok();
}

Status short_read(uint64_t offset, uint64_t size, uint64_t got) {
    return io_error("short read: " + std::to_string(got) + " of " + std::to_string(size) + " bytes at offset " +
                    std::to_string(offset) + " (file truncated?)");
}

}  // namespace

StatusOr<std::unique_ptr<ExpertFile>> ExpertFile::open(const std::string &path, bool direct_io) {
    std::unique_ptr<ExpertFile> f(new ExpertFile());
    f->path_ = path;
    f->direct_ = direct_io;
    int flags = O_RDONLY | O_CLOEXEC;
    if (direct_io) flags |= O_DIRECT;
    f->fd_ = ::open(path.c_str(), flags);
    if (f->fd_ < 0)
        return io_error("cannot open " + path + (direct_io ? " with O_DIRECT" : "") + " for expert reads: " +
                        std::strerror(errno));
    return f;
}

ExpertFile::~ExpertFile() {
    if (fd_ >= 0) ::close(fd_);
}

Status ExpertFile::read(uint64_t offset, uint64_t size, uint8_t *dst) const {
    if (direct_) return read_direct(offset, size, dst);
    uint64_t got = 0;
    MOEVK_RETURN_IF_ERROR(pread_all(fd_, offset, size, dst, &got));
    return got == size ? Status::ok() : short_read(offset, size, got);
}

Status ExpertFile::read_direct(uint64_t offset, uint64_t size, uint8_t *dst) const {
    // read the aligned range around [offset, offset + size) into a bounce buffer, then copy the middle
    const uint64_t begin = offset / kDirectAlign * kDirectAlign;
    const uint64_t end = (offset + size + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
    void *raw = nullptr;
    if (posix_memalign(&raw, kDirectAlign, (size_t)(end - begin)) != 0)
        return out_of_memory("no memory for an O_DIRECT bounce buffer of " + std::to_string(end - begin) + " bytes");
    std::unique_ptr<uint8_t, decltype(&std::free)> bounce((uint8_t *)raw, &std::free);
    uint64_t got = 0;
    MOEVK_RETURN_IF_ERROR(pread_all(fd_, begin, end - begin, bounce.get(), &got));
    // the file's last block may be partial: only the requested bytes must be there
    if (got < offset + size - begin) return short_read(offset, size, got > offset - begin ? got - (offset - begin) : 0);
    std::memcpy(dst, bounce.get() + (offset - begin), (size_t)size);
    return Status::ok();
}

}  // namespace moevk::experts
