// guard.h — the one wrapper every extern "C" function body goes through: runs the body, maps a Status to
// moevk_status, stores the message on the context, and catches every exception so none crosses the ABI.
#pragma once

#include <new>

#include "api/ctx.h"
#include "core/status.h"
#include "engine.h"

namespace moevk::api {

inline moevk_status to_c_status(StatusCode code) { return static_cast<moevk_status>(static_cast<int>(code)); }

// ctx may be NULL (then the body's argument check fails and no message can be stored).
template <typename Body>
moevk_status guard(moevk_ctx *ctx, Body &&body) {
    Status s;
    try {
        s = body();
    } catch (const std::bad_alloc &) {
        s = out_of_memory("out of host memory");
    } catch (const std::exception &e) {
        s = internal_error(std::string("unexpected exception: ") + e.what());
    } catch (...) {
        s = internal_error("unexpected exception");
    }
    if (ctx) {
        try {
            ctx->last_error = s.is_ok() ? std::string() : s.message();
        } catch (...) {
            ctx->last_error.clear();  // out of memory for the message itself: keep the status
        }
    }
    return to_c_status(s.code());
}

}  // namespace moevk::api

#define MOEVK_CHECK_ARG(cond) \
    do {                      \
        if (!(cond)) return ::moevk::invalid_arg("invalid argument: " #cond); \
    } while (0)
