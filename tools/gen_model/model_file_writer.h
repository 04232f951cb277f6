// model_file_writer.h — streams a GGUF file to disk: the writer's header, then each tensor generated chunk
// by chunk (threads fill one chunk while the previous one is written), so a 16 GiB model never sits in
// memory. Writes to a temporary name and renames at the end, so a failed run leaves no partial file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf_writer.h"
#include "weight_fill.h"

namespace moevk::gen {

struct WriteOptions {
    unsigned n_threads = 1;
    bool progress = false;  // print a progress line to stderr now and then
};

// fills[i] describes tensor i of writer (declaration order, no offset overrides). Returns "" on success,
// else the error.
std::string write_model_file(const std::string &path, const GgufWriter &writer,
                             const std::vector<TensorFill> &fills, const WriteOptions &options);

}  // namespace moevk::gen
