// gguf_byte_reader.h — bounds-checked little-endian cursor over a GGUF image (internal to lib/model).
// Every read checks the bytes left first and reports a truncation naming the field; a string is only
// allocated once its length is known to fit in what is left, so a hostile length cannot cause a huge allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/status.h"

namespace moevk::model {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the GGUF reader assumes a little-endian host");

class ByteReader {
public:
    ByteReader(const uint8_t *data, uint64_t size) : data_(data), size_(size) {}

    uint64_t offset() const { return pos_; }
    uint64_t remaining() const { return size_ - pos_; }

    // Reads a fixed-size little-endian value; `what` names the field in the truncation message.
    template <typename T>
    Status read(T *out, const char *what) {
        if (remaining() < sizeof(T)) return truncated(what, sizeof(T));
        std::memcpy(out, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return Status::ok();
    }

    // GGUF string: u64 length, then that many bytes (no terminator). Lengths above max_len are refused
    // before anything is allocated.
    Status read_string(std::string *out, const char *what, uint64_t max_len) {
        uint64_t len = 0;
        MOEVK_RETURN_IF_ERROR(read(&len, what));
        if (len > max_len) {
            return bad_format(std::string(what) + " length " + std::to_string(len) + " at byte " +
                              std::to_string(pos_ - 8) + " is out of range [0, " + std::to_string(max_len) + "]");
        }
        if (len > remaining()) return truncated(what, len);
        out->assign(reinterpret_cast<const char *>(data_ + pos_), static_cast<size_t>(len));
        pos_ += len;
        return Status::ok();
    }

private:
    Status truncated(const char *what, uint64_t need) const {
        return bad_format("file truncated: " + std::string(what) + " at byte " + std::to_string(pos_) + " needs " +
                          std::to_string(need) + " bytes but only " + std::to_string(remaining()) + " are left");
    }

    const uint8_t *data_;
    uint64_t size_;
    uint64_t pos_ = 0;
};

}  // namespace moevk::model
