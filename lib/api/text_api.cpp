// text_api.cpp — extern "C" shims for the tokenizer: tokenize and token_to_piece. The tokenizer is read from
// the model's metadata on the first call and cached on the context.
#include <cstring>
#include <vector>

#include "api/guard.h"

namespace {

moevk::Status get_tokenizer(moevk_ctx *ctx, const moevk::text::Tokenizer **out) {
    if (!ctx->tokenizer) {
        auto vocab = moevk::text::read_vocab(*ctx->session->model().file);
        if (!vocab.is_ok()) return vocab.status();
        auto tok = moevk::text::Tokenizer::create(std::move(vocab).value());
        if (!tok.is_ok()) return tok.status();
        ctx->tokenizer = std::move(tok).value();
    }
    *out = ctx->tokenizer.get();
    return moevk::Status::ok();
}

}  // namespace

extern "C" moevk_status moevk_tokenize(moevk_ctx *ctx, const char *text, size_t text_size, int32_t flags,
                                       int32_t *dst, size_t dst_capacity, size_t *out_count) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && out_count != nullptr);
        MOEVK_CHECK_ARG(text != nullptr || text_size == 0);
        const int32_t known = MOEVK_TOKENIZE_PARSE_SPECIAL | MOEVK_TOKENIZE_ADD_BOS;
        if ((flags & ~known) != 0) return moevk::invalid_arg("unknown moevk_tokenize flags " + std::to_string(flags));
        const moevk::text::Tokenizer *tok = nullptr;
        MOEVK_RETURN_IF_ERROR(get_tokenizer(ctx, &tok));
        std::vector<int32_t> ids;
        if (flags & MOEVK_TOKENIZE_ADD_BOS) {
            if (tok->bos() < 0) return moevk::unsupported("MOEVK_TOKENIZE_ADD_BOS: the model has no BOS token");
            ids.push_back(tok->bos());
        }
        MOEVK_RETURN_IF_ERROR(tok->tokenize(std::string_view(text ? text : "", text_size),
                                            (flags & MOEVK_TOKENIZE_PARSE_SPECIAL) != 0, &ids));
        *out_count = ids.size();
        if (dst == nullptr) return moevk::Status::ok();
        if (dst_capacity < ids.size()) {
            return {moevk::StatusCode::kBufferTooSmall, "the text has " + std::to_string(ids.size()) +
                                                            " tokens, dst_capacity is " + std::to_string(dst_capacity)};
        }
        if (!ids.empty()) std::memcpy(dst, ids.data(), ids.size() * sizeof(int32_t));
        return moevk::Status::ok();
    });
}

extern "C" moevk_status moevk_token_to_piece(moevk_ctx *ctx, int32_t token, char *dst, size_t dst_capacity,
                                             size_t *out_size) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && out_size != nullptr);
        const moevk::text::Tokenizer *tok = nullptr;
        MOEVK_RETURN_IF_ERROR(get_tokenizer(ctx, &tok));
        if (token < 0 || token >= tok->n_vocab()) {
            return moevk::invalid_arg("token " + std::to_string(token) + " is out of range [0, " +
                                      std::to_string(tok->n_vocab()) + ")");
        }
        const std::string &piece = tok->piece(token);
        *out_size = piece.size();
        if (dst == nullptr) return moevk::Status::ok();
        if (dst_capacity < piece.size()) {
            return {moevk::StatusCode::kBufferTooSmall, "the piece has " + std::to_string(piece.size()) +
                                                            " bytes, dst_capacity is " + std::to_string(dst_capacity)};
        }
        std::memcpy(dst, piece.data(), piece.size());
        return moevk::Status::ok();
    });
}
