// context_api.cpp — extern "C" shims for opening and closing a context, its settings, model facts and
// statistics. Each body is one guard() call: argument checks first, then the session does the work.
#include <algorithm>
#include <cstring>
#include <new>

#include "api/guard.h"
#include "api/params.h"

namespace {

void write_error(char *err, size_t err_capacity, const std::string &message) {
    if (err == nullptr || err_capacity == 0) return;
    size_t n = std::min(message.size(), err_capacity - 1);
    std::memcpy(err, message.data(), n);
    err[n] = '\0';
}

const moevk::session::Context *session_of(const moevk_ctx *ctx) { return ctx ? ctx->session.get() : nullptr; }

}  // namespace

extern "C" moevk_status moevk_ctx_open(const char *model_path, const moevk_params *params, moevk_ctx **out_ctx,
                                       char *err, size_t err_capacity) {
    std::string message;
    moevk::Status s;
    try {
        if (out_ctx) *out_ctx = nullptr;
        if (model_path == nullptr || out_ctx == nullptr) {
            s = moevk::invalid_arg(model_path ? "out_ctx is NULL" : "model_path is NULL");
        } else {
            moevk::session::ContextOptions options = params ? params->options : moevk::session::ContextOptions();
            auto session = moevk::session::Context::open(model_path, options);
            if (!session.is_ok()) {
                s = session.status();
            } else {
                moevk_ctx *ctx = new moevk_ctx();
                ctx->session = std::move(session).value();
                *out_ctx = ctx;
            }
        }
    } catch (const std::bad_alloc &) {
        s = moevk::out_of_memory("out of host memory while opening the model");
    } catch (const std::exception &e) {
        s = moevk::internal_error(std::string("unexpected exception: ") + e.what());
    } catch (...) {
        s = moevk::internal_error("unexpected exception");
    }
    if (!s.is_ok()) write_error(err, err_capacity, s.message());
    return moevk::api::to_c_status(s.code());
}

extern "C" void moevk_ctx_close(moevk_ctx *ctx) { delete ctx; }

extern "C" const char *moevk_last_error(const moevk_ctx *ctx) { return ctx ? ctx->last_error.c_str() : ""; }

extern "C" moevk_status moevk_ctx_set_i64(moevk_ctx *ctx, const char *key, int64_t value) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && key != nullptr);
        return ctx->session->set_runtime(key, value);
    });
}

extern "C" moevk_status moevk_ctx_set_str(moevk_ctx *ctx, const char *key, const char *value) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && key != nullptr && value != nullptr);
        int64_t number;
        if (!moevk::api::parse_i64(value, &number))
            return moevk::invalid_arg(std::string(key) + " '" + value + "' is not an integer");
        return ctx->session->set_runtime(key, number);
    });
}

extern "C" int32_t moevk_n_vocab(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? (int32_t)s->hparams().n_vocab : 0;
}

extern "C" int32_t moevk_n_ctx(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? (int32_t)s->n_ctx() : 0;
}

extern "C" int32_t moevk_n_layer(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? (int32_t)s->hparams().n_layer : 0;
}

extern "C" int32_t moevk_eos(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? s->hparams().eos_token : 0;
}

extern "C" const char *moevk_model_name(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? s->hparams().model_name.c_str() : "";
}

extern "C" const char *moevk_arch_name(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? s->hparams().arch_name.c_str() : "";
}

extern "C" const char *moevk_device_name(const moevk_ctx *ctx) {
    auto s = session_of(ctx);
    return s ? s->device_name().c_str() : "";
}

extern "C" moevk_status moevk_get_stats(moevk_ctx *ctx, moevk_stats *dst) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && dst != nullptr);
        // Older callers pass a shorter struct: fill only the fields it has room for.
        constexpr size_t kMinSize = offsetof(moevk_stats, tokens_evaluated) + sizeof(uint64_t);
        if (dst->struct_size < kMinSize)
            return moevk::invalid_arg("moevk_stats.struct_size " + std::to_string(dst->struct_size) +
                                      " is too small: set it to sizeof(moevk_stats)");
        const moevk::session::Stats st = ctx->session->stats();
        moevk_stats full;
        std::memset(&full, 0, sizeof full);
        full.tokens_evaluated = st.tokens_evaluated;
        full.prompt_seconds = st.prompt_seconds;
        full.decode_seconds = st.decode_seconds;
        full.prompt_tokens = st.prompt_tokens;
        full.decode_tokens = st.decode_tokens;
        full.expert_lookups = st.experts.lookups;
        full.expert_hits = st.experts.hits;
        full.expert_misses = st.experts.misses;
        full.expert_prefetch_hits = st.experts.prefetch_hits;
        full.expert_bytes_read = st.experts.bytes_read;
        full.io_wait_seconds = st.experts.io_wait_seconds;
        const uint32_t copy = std::min<uint32_t>(dst->struct_size, (uint32_t)sizeof full);
        full.struct_size = copy;
        std::memcpy(dst, &full, copy);
        return moevk::Status::ok();
    });
}
