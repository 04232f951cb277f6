// status.h — the error type every internal layer returns: a code (the public moevk_status values) and a
// message. Expected failures (bad files, I/O, device) travel as Status; exceptions never cross the C ABI.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace moevk {

// Same numbers as moevk_status in include/engine.h (checked by a static_assert in lib/api).
enum class StatusCode : int {
    kOk = 0,
    kInvalidArg = 1,
    kOutOfMemory = 2,
    kIo = 3,
    kBadFormat = 4,
    kVersion = 5,
    kDevice = 6,
    kUnsupported = 7,
    kCtxFull = 8,
    kCannotTruncate = 9,
    kBufferTooSmall = 10,
    kNotASnapshot = 11,
    kModelMismatch = 12,
    kCorrupt = 13,
    kNoCheckpoint = 14,
    kInternal = 99,
};

class [[nodiscard]] Status {
public:
    Status() = default;  // OK
    Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

    static Status ok() { return Status(); }
    bool is_ok() const { return code_ == StatusCode::kOk; }
    StatusCode code() const { return code_; }
    const std::string &message() const { return message_; }

    // Adds context in front of the message: "loading blk.3: " + original.
    Status with_prefix(const std::string &prefix) const {
        return is_ok() ? *this : Status(code_, prefix + message_);
    }

private:
    StatusCode code_ = StatusCode::kOk;
    std::string message_;
};

inline Status invalid_arg(std::string m) { return {StatusCode::kInvalidArg, std::move(m)}; }
inline Status out_of_memory(std::string m) { return {StatusCode::kOutOfMemory, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIo, std::move(m)}; }
inline Status bad_format(std::string m) { return {StatusCode::kBadFormat, std::move(m)}; }
inline Status device_error(std::string m) { return {StatusCode::kDevice, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
public:
    StatusOr(T value) : value_(std::move(value)) {}
    StatusOr(Status status) : status_(std::move(status)) { assert(!status_.is_ok()); }

    bool is_ok() const { return value_.has_value(); }
    const Status &status() const { return status_; }
    T &value() & { return *value_; }
    const T &value() const & { return *value_; }
    T &&value() && { return std::move(*value_); }
    T *operator->() { return &*value_; }
    const T *operator->() const { return &*value_; }
    T &operator*() & { return *value_; }

private:
    Status status_;
    std::optional<T> value_;
};

}  // namespace moevk

#define MOEVK_STATUS_CONCAT_INNER(a, b) a##b
#define MOEVK_STATUS_CONCAT(a, b) MOEVK_STATUS_CONCAT_INNER(a, b)

#define MOEVK_RETURN_IF_ERROR(expr)                  \
    do {                                             \
        ::moevk::Status moevk_status_tmp_ = (expr);  \
        if (!moevk_status_tmp_.is_ok()) return moevk_status_tmp_; \
    } while (0)

#define MOEVK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                              \
    if (!tmp.is_ok()) return tmp.status();          \
    lhs = std::move(tmp).value()

#define MOEVK_ASSIGN_OR_RETURN(lhs, expr) \
    MOEVK_ASSIGN_OR_RETURN_IMPL(MOEVK_STATUS_CONCAT(moevk_statusor_, __LINE__), lhs, expr)
