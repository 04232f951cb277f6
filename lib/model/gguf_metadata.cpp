// gguf_metadata.cpp — reads one GGUF metadata value (scalar, string or array, arrays of arrays included).
// Array lengths are checked against the bytes left times the smallest element encoding before anything is
// reserved, so a count of 2^62 fails at once instead of allocating.
#include <algorithm>
#include <limits>

#include "model/gguf_sections.h"

namespace moevk::model {

std::string value_type_name(uint32_t raw_type) {
    static const char *const kNames[] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                         "bool", "string", "array", "u64", "i64", "f64"};
    if (raw_type < sizeof(kNames) / sizeof(kNames[0])) return kNames[raw_type];
    return "type " + std::to_string(raw_type);
}

uint64_t gguf_min_value_bytes(uint32_t raw_type) {
    switch (static_cast<GgufValueType>(raw_type)) {
        case GgufValueType::kU8: case GgufValueType::kI8: case GgufValueType::kBool: return 1;
        case GgufValueType::kU16: case GgufValueType::kI16: return 2;
        case GgufValueType::kU32: case GgufValueType::kI32: case GgufValueType::kF32: return 4;
        case GgufValueType::kU64: case GgufValueType::kI64: case GgufValueType::kF64: return 8;
        case GgufValueType::kString: return 8;   // the length field
        case GgufValueType::kArray: return 12;   // element type + count
    }
    return 0;
}

uint64_t GgufArray::size() const {
    return ints.size() + floats.size() + strings.size() + arrays.size();
}

namespace {

bool is_integer_type(GgufValueType t) {
    switch (t) {
        case GgufValueType::kU8: case GgufValueType::kI8: case GgufValueType::kU16: case GgufValueType::kI16:
        case GgufValueType::kU32: case GgufValueType::kI32: case GgufValueType::kU64: case GgufValueType::kI64:
        case GgufValueType::kBool:
            return true;
        default:
            return false;
    }
}

// Reads an integer or bool of type t widened to int64 (array elements). u64 above INT64_MAX is refused
// because GgufArray stores int64.
Status read_int64(ByteReader &r, GgufValueType t, int64_t *out) {
    switch (t) {
        case GgufValueType::kU8: { uint8_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "u8 value")); *out = v; break; }
        case GgufValueType::kI8: { int8_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "i8 value")); *out = v; break; }
        case GgufValueType::kU16: { uint16_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "u16 value")); *out = v; break; }
        case GgufValueType::kI16: { int16_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "i16 value")); *out = v; break; }
        case GgufValueType::kU32: { uint32_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "u32 value")); *out = v; break; }
        case GgufValueType::kI32: { int32_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "i32 value")); *out = v; break; }
        case GgufValueType::kI64: { int64_t v = 0; MOEVK_RETURN_IF_ERROR(r.read(&v, "i64 value")); *out = v; break; }
        case GgufValueType::kU64: {
            uint64_t v = 0;
            MOEVK_RETURN_IF_ERROR(r.read(&v, "u64 value"));
            if (v > (uint64_t)std::numeric_limits<int64_t>::max()) {
                return bad_format("u64 array element " + std::to_string(v) + " is out of range [0, 2^63-1]");
            }
            *out = (int64_t)v;
            break;
        }
        case GgufValueType::kBool: {
            // ggml reads a bool as one byte and treats any non-zero value as true.
            uint8_t v = 0;
            MOEVK_RETURN_IF_ERROR(r.read(&v, "bool value"));
            *out = v != 0;
            break;
        }
        default:
            return internal_error("read_int64 called for a non-integer type");
    }
    return Status::ok();
}

Status read_float(ByteReader &r, GgufValueType t, double *out) {
    if (t == GgufValueType::kF32) {
        float v = 0;
        MOEVK_RETURN_IF_ERROR(r.read(&v, "f32 value"));
        *out = v;
        return Status::ok();
    }
    return r.read(out, "f64 value");
}

Status parse_array(ByteReader &r, int depth, GgufArray *out) {
    uint32_t raw_elem = 0;
    MOEVK_RETURN_IF_ERROR(r.read(&raw_elem, "array element type"));
    const uint64_t min_bytes = gguf_min_value_bytes(raw_elem);
    if (min_bytes == 0) {
        return bad_format("array element type " + std::to_string(raw_elem) + " is unknown (valid: 0..12)");
    }
    const auto elem = static_cast<GgufValueType>(raw_elem);
    if (elem == GgufValueType::kArray && depth + 1 >= kGgufMaxArrayDepth) {
        return bad_format("arrays nested more than " + std::to_string(kGgufMaxArrayDepth) + " levels deep");
    }
    uint64_t n = 0;
    MOEVK_RETURN_IF_ERROR(r.read(&n, "array length"));
    const uint64_t max_n = std::min(r.remaining() / min_bytes, kGgufMaxArrayElements);
    if (n > max_n) {
        return bad_format("array length " + std::to_string(n) + " of " + value_type_name(raw_elem) +
                          " is out of range [0, " + std::to_string(max_n) + "] (bytes left: " +
                          std::to_string(r.remaining()) + ")");
    }
    out->elem_type = elem;
    if (is_integer_type(elem)) {
        out->ints.resize(n);
        for (uint64_t i = 0; i < n; ++i) MOEVK_RETURN_IF_ERROR(read_int64(r, elem, &out->ints[i]));
    } else if (elem == GgufValueType::kF32 || elem == GgufValueType::kF64) {
        out->floats.resize(n);
        for (uint64_t i = 0; i < n; ++i) MOEVK_RETURN_IF_ERROR(read_float(r, elem, &out->floats[i]));
    } else if (elem == GgufValueType::kString) {
        out->strings.resize(n);
        for (uint64_t i = 0; i < n; ++i) {
            MOEVK_RETURN_IF_ERROR(r.read_string(&out->strings[i], "string array element", UINT64_MAX));
        }
    } else {
        out->arrays.resize(n);
        for (uint64_t i = 0; i < n; ++i) MOEVK_RETURN_IF_ERROR(parse_array(r, depth + 1, &out->arrays[i]));
    }
    return Status::ok();
}

}  // namespace

Status parse_gguf_value(ByteReader &r, uint32_t raw_type, GgufValue *out) {
    if (gguf_min_value_bytes(raw_type) == 0) {
        return bad_format("value type " + std::to_string(raw_type) + " is unknown (valid: 0..12)");
    }
    const auto t = static_cast<GgufValueType>(raw_type);
    out->type = t;
    switch (t) {
        case GgufValueType::kU8: case GgufValueType::kU16: case GgufValueType::kU32: {
            int64_t v = 0;
            MOEVK_RETURN_IF_ERROR(read_int64(r, t, &v));
            out->value = (uint64_t)v;
            return Status::ok();
        }
        case GgufValueType::kU64: {
            uint64_t v = 0;
            MOEVK_RETURN_IF_ERROR(r.read(&v, "u64 value"));
            out->value = v;
            return Status::ok();
        }
        case GgufValueType::kI8: case GgufValueType::kI16: case GgufValueType::kI32: case GgufValueType::kI64: {
            int64_t v = 0;
            MOEVK_RETURN_IF_ERROR(read_int64(r, t, &v));
            out->value = v;
            return Status::ok();
        }
        case GgufValueType::kBool: {
            int64_t v = 0;
            MOEVK_RETURN_IF_ERROR(read_int64(r, t, &v));
            out->value = v != 0;
            return Status::ok();
        }
        case GgufValueType::kF32: case GgufValueType::kF64: {
            double v = 0;
            MOEVK_RETURN_IF_ERROR(read_float(r, t, &v));
            out->value = v;
            return Status::ok();
        }
        case GgufValueType::kString: {
            std::string s;
            MOEVK_RETURN_IF_ERROR(r.read_string(&s, "string value", UINT64_MAX));
            out->value = std::move(s);
            return Status::ok();
        }
        case GgufValueType::kArray: {
            GgufArray a;
            MOEVK_RETURN_IF_ERROR(parse_array(r, 0, &a));
            out->value = std::move(a);
            return Status::ok();
        }
    }
    return internal_error("unhandled GGUF value type");
}

}  // namespace moevk::model
