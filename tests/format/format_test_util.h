// format_test_util.h — shared helpers of the GGUF/loader tests: build images with the generator's writer,
// parse them from memory, and assert "this code, and a message naming the culprit".
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gen_model/gguf_writer.h"
#include "gen_model/model_spec.h"
#include "gen_model/qwen3moe_layout.h"
#include "gen_model/weight_fill.h"
#include "model/gguf.h"
#include "model/model.h"

namespace moevk::test {

inline const char *code_name(StatusCode c) {
    switch (c) {
        case StatusCode::kOk: return "kOk";
        case StatusCode::kIo: return "kIo";
        case StatusCode::kBadFormat: return "kBadFormat";
        case StatusCode::kVersion: return "kVersion";
        case StatusCode::kUnsupported: return "kUnsupported";
        case StatusCode::kInvalidArg: return "kInvalidArg";
        default: return "other";
    }
}

// Passes when status has `code` and its message contains every one of `needles`.
inline ::testing::AssertionResult has_error(const Status &status, StatusCode code,
                                            std::initializer_list<std::string> needles) {
    if (status.code() != code) {
        return ::testing::AssertionFailure() << "code " << code_name(status.code()) << ", expected " << code_name(code)
                                             << "; message: " << status.message();
    }
    for (const std::string &n : needles) {
        if (status.message().find(n) == std::string::npos) {
            return ::testing::AssertionFailure() << "message \"" << status.message() << "\" lacks \"" << n << "\"";
        }
    }
    return ::testing::AssertionSuccess();
}

inline StatusOr<std::unique_ptr<model::GgufFile>> parse(const std::vector<uint8_t> &image) {
    return model::parse_gguf_memory(image.data(), image.size(), "test.gguf");
}

inline Status parse_status(const std::vector<uint8_t> &image) {
    auto r = parse(image);
    return r.is_ok() ? Status::ok() : r.status();
}

// Parses and loads an in-memory image (image must outlive the model).
inline StatusOr<std::unique_ptr<model::Model>> load_image(const std::vector<uint8_t> &image) {
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<model::GgufFile> file, parse(image));
    return model::load_model(std::move(file));
}

inline Status load_status(const std::vector<uint8_t> &image) {
    auto r = load_image(image);
    return r.is_ok() ? Status::ok() : r.status();
}

// The tiny preset declared on a writer; the image has the real generated weights when with_weights.
struct TinyModel {
    gen::GgufWriter writer;
    std::vector<gen::TensorFill> fills;

    explicit TinyModel(model::GgmlType type = model::GgmlType::kQ4_0, bool tie_output = false, uint64_t seed = 7) {
        gen::ModelSpec spec = *gen::preset_spec("tiny");
        spec.tie_output = tie_output;
        fills = gen::declare_qwen3moe(spec, type, seed, writer);
    }
    // with_weights only before redeclare() (fills follow the original declaration order).
    std::vector<uint8_t> image(bool with_weights = false) const {
        if (!with_weights) return writer.build_image();
        return writer.build_image([&](size_t i, uint8_t *dst, uint64_t size) {
            const uint64_t row = model::row_bytes(fills[i].type, fills[i].ne0).value_or(1);
            gen::fill_rows(fills[i], 0, size / row, dst);
        });
    }
    // Replaces a u32 key (appended at the end of the metadata).
    void set_u32(const std::string &key, uint32_t v) {
        writer.remove_key(key);
        writer.add_u32(key, v);
    }
    // Re-declares a tensor with another shape or type (appended at the end, so offsets stay consistent).
    void redeclare(const std::string &name, uint32_t raw_type, std::vector<uint64_t> ne) {
        writer.remove_tensor(name);
        writer.add_tensor(name, raw_type, std::move(ne));
    }
};

}  // namespace moevk::test
