// expert_file.h — reads byte ranges of the model file with pread, never through a mapping: a file truncated
// under a running context then gives a short read (an error) instead of SIGBUS. Page cache by default;
// O_DIRECT optional (aligned bounce buffer per call). Safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace moevk::experts {

class ExpertFile {
public:
    // Errors: kIo (cannot open; O_DIRECT refused by the file system).
    static StatusOr<std::unique_ptr<ExpertFile>> open(const std::string &path, bool direct_io);
    ~ExpertFile();
    ExpertFile(const ExpertFile &) = delete;
    ExpertFile &operator=(const ExpertFile &) = delete;

    // Reads exactly size bytes at offset into dst. Errors: kIo with errno text, or "short read" naming how
    // many bytes the file had (truncated file). The caller adds what it was reading.
    Status read(uint64_t offset, uint64_t size, uint8_t *dst) const;

    const std::string &path() const { return path_; }
    bool direct_io() const { return direct_; }

private:
    ExpertFile() = default;
    Status read_direct(uint64_t offset, uint64_t size, uint8_t *dst) const;
    std::string path_;
    int fd_ = -1;
    bool direct_ = false;
};

}  // namespace moevk::experts
