// state_api.cpp — extern "C" shims for session state snapshots (docs/state-format.md): argument checks here,
// the work in session/context_state.cpp and lib/state.
#include "api/guard.h"

extern "C" moevk_status moevk_state_save(moevk_ctx *ctx, void *dst, size_t dst_capacity, size_t *out_size) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && out_size != nullptr);
        return ctx->session->save_state(static_cast<uint8_t *>(dst), dst_capacity, out_size);
    });
}

extern "C" moevk_status moevk_state_load(moevk_ctx *ctx, const void *src, size_t src_size) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && (src != nullptr || src_size == 0));
        static const uint8_t kEmpty = 0;  // src may be NULL with size 0: that is "not a snapshot", not UB
        return ctx->session->load_state(src ? static_cast<const uint8_t *>(src) : &kEmpty, src_size);
    });
}

extern "C" moevk_status moevk_state_save_file(moevk_ctx *ctx, const char *path) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && path != nullptr);
        return ctx->session->save_state_file(path);
    });
}

extern "C" moevk_status moevk_state_load_file(moevk_ctx *ctx, const char *path) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr && path != nullptr);
        return ctx->session->load_state_file(path);
    });
}
