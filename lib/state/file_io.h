// file_io.h — whole-file reads and crash-safe whole-file writes for snapshot files. A write goes to a temporary
// file in the target's directory, is fsynced, renamed over the target and the directory fsynced, so a crash
// at any point leaves either the old file or the new one, never a mix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace moevk::state {

// Errors: kIo naming the path and errno's text. The temporary file is removed on failure.
Status write_file_atomic(const std::string &path, const uint8_t *data, size_t size);
// Errors: kIo; kOutOfMemory.
StatusOr<std::vector<uint8_t>> read_whole_file(const std::string &path);

}  // namespace moevk::state
