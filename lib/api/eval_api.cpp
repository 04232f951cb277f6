// eval_api.cpp — extern "C" shims for evaluation, logits, memory and checkpoints (snapshots: state_api.cpp).
#include "api/guard.h"

extern "C" moevk_status moevk_eval_prompt(moevk_ctx *ctx, const int32_t *tokens, int32_t n_tokens,
                                          int32_t start_pos, float *logits) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        return ctx->session->eval(tokens, n_tokens, start_pos, logits);
    });
}

extern "C" moevk_status moevk_eval_token(moevk_ctx *ctx, int32_t token, int32_t pos, float *logits) {
    return moevk_eval_prompt(ctx, &token, 1, pos, logits);
}

extern "C" moevk_status moevk_get_logits(moevk_ctx *ctx, float *dst, size_t dst_capacity) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        return ctx->session->get_logits(dst, dst_capacity);
    });
}

extern "C" moevk_status moevk_memory_clear(moevk_ctx *ctx) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        ctx->session->clear();
        return moevk::Status::ok();
    });
}

extern "C" moevk_status moevk_memory_seq_rm(moevk_ctx *ctx, int32_t seq_id, int32_t p0, int32_t p1) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        return ctx->session->seq_rm(seq_id, p0, p1);
    });
}

extern "C" int32_t moevk_memory_seq_pos_max(moevk_ctx *ctx, int32_t seq_id) {
    if (ctx == nullptr || (seq_id != 0 && seq_id != -1)) return -1;
    return ctx->session->pos_max();
}

// ---- checkpoints (session/context_checkpoints.cpp) ----

extern "C" moevk_status moevk_checkpoint_save(moevk_ctx *ctx, int32_t pos) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        return ctx->session->checkpoint_save(pos);
    });
}

extern "C" moevk_status moevk_checkpoint_restore(moevk_ctx *ctx, int32_t pos) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        return ctx->session->checkpoint_restore(pos);
    });
}

extern "C" moevk_status moevk_checkpoint_forget(moevk_ctx *ctx, int32_t pos) {
    return moevk::api::guard(ctx, [&]() -> moevk::Status {
        MOEVK_CHECK_ARG(ctx != nullptr);
        return ctx->session->checkpoint_forget(pos);
    });
}

extern "C" int32_t moevk_checkpoint_count(moevk_ctx *ctx) {
    if (ctx == nullptr) return 0;
    return ctx->session->checkpoint_count();
}
